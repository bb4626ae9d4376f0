"""Contracts of the Parallel-backed micro-operations (company.resolve.* and person.resolve.*)."""

from __future__ import annotations

from operations.contracts.base import Contract


class MicroOutput(Contract):
    """What every micro-operation adds to its resolved field(s)."""

    confidence: str | None = None  # Parallel's own word (low | medium | high); the weakest when several
    source_provider: str


class CompanyLinkedinUrlOutput(MicroOutput):
    """company.resolve.linkedin_url."""

    company_linkedin_url: str


class CompanyNameOutput(MicroOutput):
    """company.resolve.name."""

    company_name: str


class CompanyDomainOutput(MicroOutput):
    """company.resolve.domain."""

    company_domain: str


class CompanyDescriptionOutput(MicroOutput):
    """company.resolve.description."""

    description: str


class CompanyHqLocationOutput(MicroOutput):
    """company.resolve.hq_location."""

    hq_location: str


class CompanyEmployeeRangeOutput(MicroOutput):
    """company.resolve.employee_range."""

    employee_range: str


class PersonLinkedinUrlOutput(MicroOutput):
    """person.resolve.linkedin_url."""

    linkedin_url: str


class PersonWorkEmailOutput(MicroOutput):
    """person.resolve.work_email."""

    work_email: str


class PersonEmailAndLinkedinOutput(MicroOutput):
    """person.resolve.email_and_linkedin: found when either is."""

    email: str | None = None
    linkedin_url: str | None = None


class PersonLocationOutput(MicroOutput):
    """person.resolve.location."""

    location: str
