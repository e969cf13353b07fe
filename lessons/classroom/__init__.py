"""Classrooms: instructors host a class, learners join with a code, a live dashboard."""
