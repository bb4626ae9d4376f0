"""/api/v1/entities/export body: which dataset, which format, which slice of the tenant's entities."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import Field, field_validator

from api.schemas.common import Id, IsoDateTime, RequestModel

Dataset = Literal["companies", "persons"]
DatasetName = Literal["companies", "persons", "dx_company_entities_v1", "dx_person_entities_v1"]
ExportFormat = Literal["csv", "parquet"]
# The §11 contract names mean the same as the short ones.
CONTRACT_NAMES: dict[Dataset, str] = {
    "companies": "dx_company_entities_v1",
    "persons": "dx_person_entities_v1",
}


class ExportRequest(RequestModel):
    dataset: DatasetName = Field(description="companies or persons, or their §11 names.")
    format: ExportFormat = "csv"
    company_id: Id | None = Field(default=None, description="Only this company's entities.")
    updated_since: IsoDateTime | None = Field(
        default=None,
        description="Only entities updated at or after this instant (UTC when no zone is given).",
    )
    org_id: Id | None = Field(default=None, description="Required for the super-admin; a tenant's own org.")

    @field_validator("updated_since")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value

    @property
    def kind(self) -> Dataset:
        """Return the dataset by its short name."""
        return "persons" if self.dataset in ("persons", "dx_person_entities_v1") else "companies"

    @property
    def contract_name(self) -> str:
        """Return the dataset by its §11 name."""
        return CONTRACT_NAMES[self.kind]
