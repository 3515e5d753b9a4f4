from tests.conftest import Service
from tests.factories import create_integration, create_organization


def test_create_and_read_back(service: Service) -> None:
    organization = create_organization(service, "  Acme  ")
    assert organization["title"] == "Acme"
    integration = create_integration(service, organization["id"], "Billing")
    data = service.data(
        "query($id: ID!) { integration(id: $id) { id title organization { title } } }",
        {"id": integration["id"]},
    )
    assert data["integration"] == {
        "id": integration["id"],
        "title": "Billing",
        "organization": {"title": "Acme"},
    }
