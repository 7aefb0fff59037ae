"""staffsim: contact-center staffing and queue simulation."""

__version__ = "0.1.0"
