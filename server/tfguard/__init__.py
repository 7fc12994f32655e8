"""tfguard: a security language server and command line for Terraform."""

__version__ = "0.1.0"
