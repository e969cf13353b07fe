import getpass
import os

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Create an instructor: a staff user who can log in at /en/instructor/login/, create "
        "classrooms and see their dashboards (but not the Django admin unless made a superuser). "
        "The password comes from --password, the INSTRUCTOR_PASSWORD environment variable, or a prompt."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--password", default="", help="Better: INSTRUCTOR_PASSWORD or the prompt."
        )

    def handle(self, *args, username: str, password: str, **options):
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            raise CommandError(f"A user named {username!r} exists already.")
        password = password or os.environ.get("INSTRUCTOR_PASSWORD", "")
        if not password:
            password = getpass.getpass("Password: ")
        user = User(username=username, is_staff=True)
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        user.set_password(password)
        user.save()
        self.stdout.write(f"Instructor {username!r} created. Log in at /en/instructor/login/.")
