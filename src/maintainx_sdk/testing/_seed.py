"""Deterministic seed data: the same seed gives the same organization, byte for byte.

Work orders spread over statuses, priorities, assets, locations, users and categories, with
creation times over the last 90 days; 100,000 of them take a few seconds.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from ._state import EmulatorState
from ._store import OrgState, iso
from ._wo_model import SCALAR_DEFAULTS

_WORDS = (
    "Pump",
    "Boiler",
    "Conveyor",
    "Compressor",
    "Chiller",
    "Forklift",
    "Press",
    "Valve",
    "Fan",
    "Mixer",
)
_TASKS = (
    "Inspect",
    "Repair",
    "Lubricate",
    "Replace filter on",
    "Calibrate",
    "Clean",
    "Check noise on",
)
_STATUSES = (
    "OPEN",
    "OPEN",
    "OPEN",
    "IN_PROGRESS",
    "IN_PROGRESS",
    "ON_HOLD",
    "DONE",
    "DONE",
    "CANCELED",
)
_PRIORITIES = ("NONE", "LOW", "MEDIUM", "HIGH")
_FIRST = ("Ada", "Grace", "Linus", "Alan", "Margaret", "Ken", "Barbara", "Dennis")
_LAST = ("Lovelace", "Hopper", "Torvalds", "Turing", "Hamilton", "Thompson", "Liskov", "Ritchie")
_SPAN = 90 * 86400.0


def seed_org(state: EmulatorState, org: OrgState, *, work_orders: int, seed: int) -> None:
    """Fill ``org`` with reference data and ``work_orders`` work orders."""
    rng = random.Random(seed)
    now = state.clock()
    start = now - _SPAN
    stamp = iso(start)

    def base(row_id: int) -> dict[str, Any]:
        return {"id": row_id, "createdAt": stamp, "updatedAt": stamp, "organizationId": org.id}

    locations = []
    for i, name in enumerate(("North Plant", "South Plant", "Warehouse", "Workshop", "Office")):
        row = {**base(state.next_id()), "name": name, "description": None, "address": f"{i + 1} Industrial Way",
               "parentId": None, "extraFields": {}, "teamIds": [], "vendorIds": [], "barcode": None,
               "childrenIds": [], "creatorId": None}  # fmt: skip
        locations.append(org.table("locations").insert(row)["id"])
    users = []
    for first, last in zip(_FIRST, _LAST, strict=True):
        row = {**base(state.next_id()), "firstName": first, "lastName": last,
               "email": f"{first.lower()}.{last.lower()}@example.com", "phoneNumber": None,
               "role": rng.choice(("ADMIN", "MEMBER", "MEMBER", "OPERATOR")), "authType": "NORMAL",
               "hourlyRate": rng.randrange(2000, 6000, 100), "lastVisitedAt": stamp, "extraFields": {}}  # fmt: skip
        users.append(org.table("users").insert(row)["id"])
    teams = []
    for name in ("Mechanics", "Electricians", "Facilities"):
        members = {u: "MEMBER" for u in rng.sample(users, 3)}
        row = {**base(state.next_id()), "name": name, "description": None, "assetIds": [], "locationIds": [],
               "_members": members, "membersCount": len(members)}  # fmt: skip
        teams.append(org.table("teams").insert(row)["id"])
    categories = []
    for label in ("Electrical", "Mechanical", "Safety", "Cleaning"):
        org.table("categories").insert({**base(state.next_id()), "label": label, "description": ""})
        categories.append(label)
    vendors = []
    for name in ("Acme Supplies", "Globex", "Initech", "Umbrella Parts", "Stark Industrial"):
        row = {**base(state.next_id()), "name": name, "description": None, "extraFields": {}}
        vendors.append(org.table("vendors").insert(row)["id"])
    assets = []
    for i in range(12):
        row = {**base(state.next_id()), "name": f"{_WORDS[i % len(_WORDS)]} {i + 1}", "description": None,
               "parentId": None, "criticalityId": None, "locationId": rng.choice(locations),
               "serialNumber": f"SN-{seed}-{i:04d}", "creatorId": users[0], "barcode": None, "teamIds": [],
               "assetTypes": [], "extraFields": {}, "vendorIds": [], "manufacturer": None, "model": None,
               "attachments": [], "currentOwnerId": users[0], "childrenIds": [], "deletedAt": None}  # fmt: skip
        assets.append(org.table("assets").insert(row)["id"])
    for i in range(6):
        stock = rng.randrange(0, 50)
        location = rng.choice(locations)
        row = {**base(state.next_id()), "name": f"Spare part {i + 1}", "description": None, "barcode": None,
               "locationId": None, "area": None, "unitCost": rng.randrange(100, 10000),
               "locations": [{"locationId": location, "availableQuantity": stock, "inStockQuantity": stock,
                              "minimumQuantity": 5, "maximumQuantity": None, "area": None}],
               "availableQuantity": stock, "minimumQuantity": 5, "orderedQuantity": 0, "reservedQuantity": 0,
               "partTypes": [], "inStockQuantity": stock,
               "committedQuantities": {"reserved": 0, "kitted": 0, "staged": 0}, "assignedQuantity": 0,
               "maximumQuantity": None, "extraFields": {}, "vendors": [{"vendorId": rng.choice(vendors), "partNumber": f"P-{i:03d}"}],
               "assetIds": [], "teamIds": []}  # fmt: skip
        org.table("parts").insert(row)
    org.table("rootcauseanalysisreports").insert(
        {
            "id": state.next_id(),
            "organizationId": org.id,
            "status": "DONE",
            "mainAssetId": assets[0],
            "mainAssetStatusId": None,
            "createdAt": stamp,
            "updatedAt": stamp,
            "completedAt": stamp,
            "incidentStartedAt": stamp,
            "incidentEndedAt": stamp,
            "incidentDuration": 0,
            "repairTime": 3600,
            "notes": {"text": "Bearing worn out"},
            "creatorId": users[0],
            "updaterId": None,
            "archivedAt": None,
            "relatedAssetIds": assets[1:3],
            "workOrderIds": [],
        }
    )
    table = org.table("workorders")
    step = _SPAN / max(work_orders, 1)
    draw = rng.random

    def pick(options: Sequence[Any]) -> Any:  # rng.choice, without its overhead
        return options[int(draw() * len(options))]

    template = {**SCALAR_DEFAULTS, "organizationId": org.id}
    sequence = org.sequence
    next_id = state.next_id
    types = ("REACTIVE", "PREVENTIVE", "OTHER")
    for i in range(work_orders):
        created_ts = start + i * step
        updated = iso(min(now, created_ts + draw() * 7 * 86400))
        status = pick(_STATUSES)
        assignee = pick(users)
        row = template.copy()
        row.update(
            id=next_id(),
            sequentialId=next(sequence),
            createdAt=iso(created_ts),
            updatedAt=updated,
            creatorId=pick(users),
            title=f"{pick(_TASKS)} {pick(_WORDS).lower()} #{i + 1}",
            status=status,
            priority=pick(_PRIORITIES),
            assetId=pick(assets),
            locationId=pick(locations),
            assigneeIds=[assignee],
            teamIds=[pick(teams)] if draw() < 0.3 else [],
            categories=[pick(categories)] if draw() < 0.5 else [],
            type=pick(types),
            vendorIds=[],
            extraFields={},
            attachments=[],
            parts=[],
            progress={"openCount": 1, "inProgressCount": 0, "onHoldCount": 0, "doneCount": 0},
        )
        if status == "DONE":
            row["completedAt"] = updated
            row["completerId"] = assignee
        table.insert(row)
