"""The Integrations GraphQL service."""
