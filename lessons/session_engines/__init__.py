"""Session engines written for this project (SESSION_ENGINE = "lessons.session_engines.<name>").

The site shows each one's source code at /<lang>/source/<name>/, so lessons
can link to the real, tested code rather than a copy that could drift.
"""

# name -> module; the names are what lessons link to with `source:<name>`.
SHOWN_SOURCES = {
    "redis_json": "lessons.session_engines.redis_json",
    "site_sessions": "lessons.session_engines.site_sessions",
}
