"""CHECK constraints for the contract's length and version rules.

Titles of 1..255 characters, references of at most 1024, versions from 1, counted by the
database's own `length` (characters), so that no code path can store what is forbidden.

On SQLite, which cannot add a constraint to a table, each table is rebuilt (batch mode).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECKS = {
    "organizations": {
        "ck_organizations_title_length": "length(title) BETWEEN 1 AND 255",
        "ck_organizations_version": "version >= 1",
        "ck_organizations_external_id_length": "length(external_id) <= 1024",
    },
    "integrations": {
        "ck_integrations_title_length": "length(title) BETWEEN 1 AND 255",
        "ck_integrations_version": "version >= 1",
        "ck_integrations_credential_ref_length": "length(credential_ref) <= 1024",
    },
}


def upgrade() -> None:
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table) as batch:
            for name, condition in checks.items():
                batch.create_check_constraint(name, condition)


def downgrade() -> None:
    for table, checks in reversed(CHECKS.items()):
        with op.batch_alter_table(table) as batch:
            for name in checks:
                batch.drop_constraint(name, type_="check")
