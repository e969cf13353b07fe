"""Exercises: goals learners reach in the lab, checked on the server from real evidence."""
