"""API key management (admin role)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from vigil.api.bodies import json_body, openapi_body
from vigil.api.deps import Principal, get_database, require_role
from vigil.api.pagination import iso
from vigil.api.problems import ProblemError
from vigil.api.schemas import KeyCreate, KeyCreated, KeyOut
from vigil.core.types import MAX_ID, Role
from vigil.services import keys
from vigil.storage.database import Database
from vigil.storage.keys_repo import ApiKeyRecord

router = APIRouter(prefix="/api/v1/keys", tags=["keys"])


def _out(record: ApiKeyRecord) -> KeyOut:
    return KeyOut(id=record.id, name=record.name, prefix=record.prefix, role=record.role,
                  created_at=iso(record.created_at) or "", last_used_at=iso(record.last_used_at),
                  revoked_at=iso(record.revoked_at))


@router.get("", response_model=list[KeyOut])
def list_keys(include_revoked: bool = False, db: Database = Depends(get_database),
              _p: Principal = Depends(require_role(Role.ADMIN))) -> list[KeyOut]:
    """Every key (without secrets)."""
    return [_out(r) for r in keys.list_keys(db, include_revoked)]


@router.post("", response_model=KeyCreated, status_code=201, openapi_extra=openapi_body(KeyCreate))
def create_key(db: Database = Depends(get_database),
               principal: Principal = Depends(require_role(Role.ADMIN)),
               body: KeyCreate = Depends(json_body(KeyCreate))) -> KeyCreated:
    """Create a key; its secret is in this response only."""
    new = keys.create_key(db, body.name, Role(body.role), actor=f"key:{principal.name}")
    return KeyCreated(**_out(new.record).model_dump(), key=new.secret)


@router.delete("/{key_id}", response_model=KeyOut,
               responses={404: {"description": "No such key"},
                          409: {"description": "The last active admin key"}})
def revoke_key(key_id: Annotated[int, Path(ge=1, le=MAX_ID)],
               db: Database = Depends(get_database),
               principal: Principal = Depends(require_role(Role.ADMIN))) -> KeyOut:
    """Revoke a key; it stops working at once. The last active admin key cannot be revoked."""
    try:
        record = keys.revoke_key(db, key_id, actor=f"key:{principal.name}")
    except keys.LastAdminError as exc:
        raise ProblemError(409, "last-admin-key", "Conflict", str(exc)) from None
    if record is None:
        raise ProblemError(404, "not-found", "Not found", f"there is no key {key_id}")
    return _out(record)
