"""Sandboxed Enigma: `POST /graphql` answering brand searches with card-transaction metrics.

Not a GraphQL engine: a small, honest reader of the subset a brand query uses. It parses the operation
(fields, aliases, arguments, variables, inline fragments), answers `search(searchInput: {entityType:
BRAND, name, website})` with at most one Brand, and resolves only the Brand fields it models: `id`,
`enigmaId`, `__typename`, `names`, `websites`, `count(field: "operatingLocations")` and
`cardTransactions(first:, conditions: {filter: …})` filtered by `EQ`/`IN`/`AND`/`OR` on `period`,
`quantityType` and `rank` (0 = the latest period; monthly points come newest first). Only the fields
asked for come back. A field it does not model is a 400 with `errors[]` (as a validation error is); a
search it cannot run (no name or website, another entity type) is a 200 with `errors[]` and null data.
Billing: 25 credits when card data is returned, 1 for a bare brand, nothing for an empty search.
Bodies not given by the docs (401, 402, 429 "Slow Down", 500) are assumed.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from providers.sandbox.app import SandboxProvider
from providers.sandbox.world import CardRevenue, Company

_TOKEN = re.compile(
    r"(?P<skip>[\s,]+|#[^\n]*)|(?P<spread>\.\.\.)|(?P<punct>[!$():=@\[\]{}|])"
    r'|(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|(?P<string>"(?:[^"\\\n]|\\.)*")|(?P<name>[_A-Za-z]\w*)'
)


class GraphQLError(Exception):
    """The query cannot be run; `status` is 400 for a bad document, 200 for a failed resolver."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Selection:
    """A field (`name` set) or an inline fragment (`on` set) with its sub-selections."""

    name: str = ""
    alias: str = ""
    args: dict[str, Any] = field(default_factory=dict)
    on: str = ""
    selections: list[Selection] = field(default_factory=list)


class _Parser:
    def __init__(self, text: str, variables: dict[str, Any]) -> None:
        self.tokens: list[tuple[str, str]] = []
        position = 0
        while position < len(text):
            match = _TOKEN.match(text, position)
            if match is None:
                raise GraphQLError(f"Syntax Error: unexpected character {text[position]!r}")
            if match.lastgroup != "skip":
                self.tokens.append((str(match.lastgroup), match.group()))
            position = match.end()
        self.at = 0
        self.variables = variables

    def peek(self) -> str:
        return self.tokens[self.at][1] if self.at < len(self.tokens) else "<EOF>"

    def take(self, expected: str | None = None, kind: str | None = None) -> str:
        if self.at >= len(self.tokens):
            raise GraphQLError("Syntax Error: unexpected <EOF>")
        got_kind, value = self.tokens[self.at]
        if (expected is not None and value != expected) or (kind is not None and got_kind != kind):
            raise GraphQLError(f"Syntax Error: expected {expected or kind}, found {value!r}")
        self.at += 1
        return value

    def document(self) -> list[Selection]:
        if self.peek() in ("mutation", "subscription"):
            raise GraphQLError("Sandbox: only queries are supported")
        if self.peek() == "query":
            self.take()
            if self.tokens[self.at][0] == "name":
                self.take()
            if self.peek() == "(":  # variable definitions: values come from `variables`
                while self.take() != ")":
                    pass
        selections = self.selection_set()
        if self.at != len(self.tokens):
            raise GraphQLError("Sandbox: one operation per document")
        return selections

    def selection_set(self) -> list[Selection]:
        self.take("{")
        selections = []
        while self.peek() != "}":
            selections.append(self.selection())
        self.take("}")
        return selections

    def selection(self) -> Selection:
        if self.peek() == "...":
            self.take()
            if self.peek() != "on":
                raise GraphQLError("Sandbox: named fragments are not supported")
            self.take("on")
            return Selection(on=self.take(kind="name"), selections=self.selection_set())
        alias = name = self.take(kind="name")
        if self.peek() == ":":
            self.take()
            name = self.take(kind="name")
        args: dict[str, Any] = {}
        if self.peek() == "(":
            self.take()
            while self.peek() != ")":
                key = self.take(kind="name")
                self.take(":")
                args[key] = self.value()
            self.take(")")
        if self.peek() == "@":
            raise GraphQLError("Sandbox: directives are not supported")
        subs = self.selection_set() if self.peek() == "{" else []
        return Selection(name=name, alias=alias, args=args, selections=subs)

    def value(self) -> Any:
        kind, token = self.tokens[self.at] if self.at < len(self.tokens) else ("", "<EOF>")
        if token == "$":
            self.take()
            variable = self.take(kind="name")
            if variable not in self.variables:
                raise GraphQLError(f'Variable "${variable}" was not provided')
            return self.variables[variable]
        if token == "[":
            self.take()
            items = []
            while self.peek() != "]":
                items.append(self.value())
            self.take("]")
            return items
        if token == "{":
            self.take()
            obj = {}
            while self.peek() != "}":
                key = self.take(kind="name")
                self.take(":")
                obj[key] = self.value()
            self.take("}")
            return obj
        self.take()
        if kind == "number":
            return float(token) if any(c in token for c in ".eE") else int(token)
        if kind == "string":
            return json.loads(token)
        return {"true": True, "false": False, "null": None}.get(token, token)


def _unit(*parts: str) -> float:
    return int.from_bytes(hashlib.blake2b(":".join(parts).encode(), digest_size=8).digest(), "big") / 2**64


def _row(
    card: CardRevenue, quantity: str, period: str, rank: int, start: str, value: float
) -> dict[str, Any]:
    first = date.fromisoformat(start)
    months = 12 if period == "12m" else 1
    last_month = (first.year * 12 + first.month - 1) + months - 1
    year, month = divmod(last_month, 12)
    end = date(year, month + 1, calendar.monthrange(year, month + 1)[1])
    ratio = quantity.endswith("growth")
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{card.brand_id}/{quantity}/{period}/{start}")),
        "quantityType": quantity,
        "period": period,
        "rank": rank,
        "periodStartDate": start,
        "periodEndDate": end.isoformat(),
        "projectedQuantity": value,
        # The panel sees about a third of US card spend; projections scale it up.
        "rawQuantity": value if ratio else round(value * 0.34, 2),
    }


def card_rows(card: CardRevenue) -> list[dict[str, Any]]:
    """Every cardTransactions row of a brand: the 12-month values, then monthly points newest first."""
    start = card.monthly[0].period_start
    annual = {
        "card_revenue_amount": card.annual_card_revenue,
        "card_revenue_yoy_growth": card.yoy_growth,
        "card_customers_average_daily_count": float(card.avg_daily_customers),
        "card_transactions_count": float(card.transaction_count),
        "avg_transaction_size": card.avg_transaction_size,
        "refunds_amount": card.refunds,
    }
    rows = [_row(card, quantity, "12m", 0, start, value) for quantity, value in annual.items()]
    refund_share = card.refunds / card.annual_card_revenue
    customers_per_transaction = card.avg_daily_customers * 365 / card.transaction_count
    for rank, month in enumerate(reversed(card.monthly)):
        first = date.fromisoformat(month.period_start)
        days = calendar.monthrange(first.year, first.month)[1]
        wobble = (_unit(card.brand_id, month.period_start) - 0.5) / 10
        monthly = {
            "card_revenue_amount": month.card_revenue,
            "card_revenue_yoy_growth": round(card.yoy_growth + wobble, 4),
            "card_customers_average_daily_count": round(
                month.transaction_count / days * customers_per_transaction, 1
            ),
            "card_transactions_count": float(month.transaction_count),
            "avg_transaction_size": round(month.card_revenue / month.transaction_count, 2),
            "refunds_amount": round(month.card_revenue * refund_share, 2),
        }
        rows += [_row(card, q, "1m", rank, month.period_start, v) for q, v in monthly.items()]
    return rows


def _matches(condition: Any, row: dict[str, Any]) -> bool:
    if not condition:
        return True
    if not isinstance(condition, dict) or len(condition) != 1:
        raise GraphQLError("Sandbox: a filter is one operator object")
    ((operator, operand),) = condition.items()
    if operator in ("AND", "OR") and isinstance(operand, list):
        results = (_matches(part, row) for part in operand)
        return all(results) if operator == "AND" else any(results)
    if operator in ("EQ", "IN") and isinstance(operand, list) and len(operand) == 2:
        value = row.get(str(operand[0]))
        return value == operand[1] if operator == "EQ" else value in (operand[1] or [])
    raise GraphQLError(f"Sandbox: unsupported filter operator {operator}")


def _connection(selection: Selection, nodes: list[dict[str, Any]], type_name: str) -> dict[str, Any]:
    first = selection.args.get("first")
    if isinstance(first, int):
        nodes = nodes[: max(0, first)]
    out: dict[str, Any] = {}
    for edges in selection.selections:
        if edges.name != "edges":
            raise GraphQLError(f'Cannot query field "{edges.name}" on type "{type_name}Connection".')
        rendered = []
        for node in nodes:
            edge: dict[str, Any] = {}
            for wrapper in edges.selections:
                if wrapper.name != "node":
                    raise GraphQLError(f'Cannot query field "{wrapper.name}" on type "{type_name}Edge".')
                edge[wrapper.alias] = {
                    s.alias: _node_field(s, node, type_name) for s in wrapper.selections if s.name
                }
            rendered.append(edge)
        out[edges.alias] = rendered
    return out


def _node_field(selection: Selection, node: dict[str, Any], type_name: str) -> Any:
    if selection.name not in node:
        raise GraphQLError(f'Cannot query field "{selection.name}" on type "{type_name}".')
    return node[selection.name]


class EnigmaSandbox(SandboxProvider):
    """Enigma's GraphQL endpoint over the world's consumer brands."""

    name = "enigma"

    def routes(self) -> list[BaseRoute]:
        return [Route("/graphql", self.graphql, methods=["POST"])]

    async def authorized(self, request: Request) -> bool:
        return request.headers.get("x-api-key") == self.api_key

    def unauthorized(self, request: Request) -> Response:
        return JSONResponse({"message": "Unauthorized"}, status_code=401)

    def rate_limited(self, retry_after: int) -> Response:
        return JSONResponse(
            {"message": "Slow Down"}, status_code=429, headers={"Retry-After": str(retry_after)}
        )

    def server_error(self) -> Response:
        return JSONResponse({"message": "Internal server error"}, status_code=500)

    def no_credits(self) -> Response:
        message = "Insufficient credits. Add more credits through billing."
        return JSONResponse({"errors": [{"message": message}]}, status_code=402)

    async def graphql(self, request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return _errors("Must provide query string.", 400)
        variables = body.get("variables") or {}
        try:
            selections = _Parser(body["query"], variables if isinstance(variables, dict) else {}).document()
            data = {s.alias: self._root(s) for s in selections}
        except GraphQLError as exc:
            if exc.status == 200:
                return JSONResponse({"data": {"search": None}, "errors": [{"message": str(exc)}]})
            return _errors(str(exc), exc.status)
        return JSONResponse({"data": data})

    def _root(self, selection: Selection) -> Any:
        if selection.name == "__typename":
            return "Query"
        if selection.name != "search":
            raise GraphQLError(f'Cannot query field "{selection.name}" on type "Query".')
        search_input = selection.args.get("searchInput")
        if not isinstance(search_input, dict):
            raise GraphQLError('Field "search" argument "searchInput" of type "SearchInput!" is required')
        if str(search_input.get("entityType", "")).upper() != "BRAND":
            raise GraphQLError("Sandbox: only entityType BRAND is modelled", 200)
        name, website = search_input.get("name"), search_input.get("website")
        if not name and not website:
            raise GraphQLError("searchInput needs a name, a website or an id", 200)
        company = self._find(name, website)
        if company is None or company.card_revenue is None:
            return []
        card = company.card_revenue
        answer, card_nodes = self._brand(selection.selections, company, card, card_rows(card))
        self.charge(25 if card_nodes else 1)
        return [answer]

    def _find(self, name: Any, website: Any) -> Company | None:
        company = self.world.company(website) if isinstance(website, str) and website else None
        if company is None and isinstance(name, str) and name:
            company = self.world.company_by_name(name) or self.world.company(name)
        return company if company is not None and self.world.knows(self.name, company.domain) else None

    def _brand(
        self, selections: list[Selection], company: Company, card: CardRevenue, rows: list[dict[str, Any]]
    ) -> tuple[dict[str, Any], int]:
        """Resolve Brand fields; also return how many card rows were answered (they decide the bill)."""
        out: dict[str, Any] = {}
        card_nodes = 0
        for selection in selections:
            if selection.on:
                if selection.on == "Brand":
                    nested, nested_nodes = self._brand(selection.selections, company, card, rows)
                    out.update(nested)
                    card_nodes += nested_nodes
                continue
            name = selection.name
            if name == "__typename":
                out[selection.alias] = "Brand"
            elif name in ("id", "enigmaId"):
                out[selection.alias] = card.brand_id
            elif name == "names":
                out[selection.alias] = _connection(selection, [{"name": company.name.upper()}], "BrandName")
            elif name == "websites":
                out[selection.alias] = _connection(selection, [{"website": company.domain}], "BrandWebsite")
            elif name == "count":
                if selection.args.get("field") != "operatingLocations":
                    raise GraphQLError("Sandbox: count is modelled for operatingLocations only")
                out[selection.alias] = card.location_count
            elif name == "cardTransactions":
                conditions = selection.args.get("conditions")
                condition = conditions.get("filter") if isinstance(conditions, dict) else None
                matched = [row for row in rows if _matches(condition, row)]
                first = selection.args.get("first")
                card_nodes += len(matched[: first if isinstance(first, int) else None])
                out[selection.alias] = _connection(selection, matched, "BrandCardTransaction")
            else:
                raise GraphQLError(f'Cannot query field "{name}" on type "Brand".')
        return out, card_nodes


def _errors(message: str, status: int) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message}]}, status_code=status)
