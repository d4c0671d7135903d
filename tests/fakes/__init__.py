"""Test doubles: small, documented fakes of the things the engine talks to."""
