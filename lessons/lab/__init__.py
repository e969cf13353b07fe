"""The live session lab: learners run Django's real session engines with their own settings."""
