"""People around a company from RevenueInfra: case-study champions (with testimonials) and alumni."""

from __future__ import annotations

from operations.contracts.research import AlumniOutput, ChampionsOutput, ChampionTestimonialsOutput
from operations.research.revenueinfra import ListLookup, list_operation
from operations.spec import FanOut

# A champion works at one of the company's customers: its company fields already carry canonical names.
CHAMPIONS_FAN_OUT = FanOut("champions", "person", rename={"job_title": "title"})

OPERATIONS = [
    list_operation(
        ListLookup(
            id="company.research.lookup_champions",
            description="People at a company's customers quoted in its case studies.",
            action="champions",
            list_key="champions",
            count_key="champion_count",
            output=ChampionsOutput,
            fan_out=CHAMPIONS_FAN_OUT,
        )
    ),
    list_operation(
        ListLookup(
            id="company.research.lookup_champion_testimonials",
            description="A company's case-study champions with their testimonial quotes.",
            action="champion_testimonials",
            list_key="champions",
            count_key="champion_count",
            output=ChampionTestimonialsOutput,
            fan_out=CHAMPIONS_FAN_OUT,
        )
    ),
    list_operation(
        ListLookup(
            id="company.research.lookup_alumni",
            description="Former employees of a company, with where they work now.",
            action="alumni",
            list_key="alumni",
            count_key="alumni_count",
            output=AlumniOutput,
            # A child is the person where they work now, not at the company they left.
            fan_out=FanOut(
                "alumni",
                "person",
                rename={
                    "current_company_domain": "company_domain",
                    "current_company_name": "company_name",
                    "current_company_linkedin_url": "company_linkedin_url",
                    "current_job_title": "title",
                },
            ),
        )
    ),
]
