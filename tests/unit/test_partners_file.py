"""The partners file: decoded strictly, every mistake listed, secrets only by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from staytier.program.loader import ProgramFileError
from staytier.services.partners import (
    MissingSecret,
    PartnerKind,
    default_partners_path,
    load_partners,
)


def test_the_demo_partners_file_loads_with_the_partners_the_privileges_need() -> None:
    partners = load_partners(default_partners_path(), environ={})

    skyways = partners.by_code["SKYWAYS"]
    assert skyways.kind is PartnerKind.AIRLINE
    assert skyways.frequent_flyer_number_valid("SW123456789")
    assert not skyways.frequent_flyer_number_valid("SW12345678")
    assert not skyways.frequent_flyer_number_valid("XSW123456789")
    charities = partners.of_kind(PartnerKind.CHARITY)
    assert [c.code for c in charities] == ["GREENTREES", "CLEANWATER"]
    assert {(c.minimum_points, c.step_points) for c in charities} == {(1000, 1000)}
    pms = partners.pms_for("NYCTS")
    assert pms is not None and pms.code == "PMS"


def test_a_missing_secret_names_its_variable_and_partner() -> None:
    partners = load_partners(default_partners_path(), environ={})
    skyways = partners.by_code["SKYWAYS"]
    with pytest.raises(MissingSecret, match=r"STAYTIER_SKYWAYS_API_KEY .*SKYWAYS"):
        partners.secret(skyways, "STAYTIER_SKYWAYS_API_KEY", "the API key")


def test_two_webhook_secrets_are_valid_during_a_rotation() -> None:
    environ = {"STAYTIER_PMS_WEBHOOK_SECRET": "old", "STAYTIER_PMS_WEBHOOK_SECRET_NEXT": "new"}
    partners = load_partners(default_partners_path(), environ=environ)
    assert partners.webhook_secrets(partners.by_code["PMS"]) == ["old", "new"]
    assert partners.webhook_secrets(partners.by_code["STAYCARD"]) == []


def test_a_pms_listing_its_properties_serves_them_before_one_serving_all(tmp_path: Path) -> None:
    path = tmp_path / "partners.toml"
    path.write_text(
        """
[[partners]]
code = "ALLPMS"
kind = "PMS"
name = "Every hotel"
base_url = "http://pms.example"

[[partners]]
code = "PARISPMS"
kind = "PMS"
name = "Paris"
base_url = "http://paris.example"
properties = ["PAROP"]
"""
    )
    partners = load_partners(path, environ={})
    assert [partners.pms_for(code).code for code in ("PAROP", "NYCTS")] == [  # type: ignore[union-attr]
        "PARISPMS",
        "ALLPMS",
    ]


def test_every_mistake_in_a_partners_file_is_listed(tmp_path: Path) -> None:
    path = tmp_path / "partners.toml"
    path.write_text(
        """
[[partners]]
code = "sky"
kind = "AIRLINE"
name = "Sky"
base_url = "ftp://sky"
api_key_env = "sk_live_123abc"
minimum_points = 1000
backoff = { first_seconds = 0 }

[[partners]]
code = "GIVE"
kind = "CHARITY"
name = "Give"
base_url = "https://give.example"

[[partners]]
code = "GIVE"
kind = "CAR_RENTAL"
name = "Give cars"
"""
    )
    with pytest.raises(ProgramFileError) as error:
        load_partners(path)
    assert error.value.mistakes == [
        "partners[0] (sky): code must be 2 to 40 capital letters, digits or underscores",
        "partners[0] (sky): base_url 'ftp://sky' must be an http(s) URL",
        "partners[0] (sky): backoff: first_seconds must be at least 1",
        "partners[0] (sky): 'sk_live_123abc' is not an environment variable name; the file "
        "names the variable holding a secret, never the secret itself",
        "partners[0] (sky): minimum_points applies to CHARITY only",
        "partners[0] (sky): frequent_flyer_pattern is required for a AIRLINE partner",
        "partners[1] (GIVE): minimum_points is required for a CHARITY partner",
        "partners[1] (GIVE): step_points is required for a CHARITY partner",
        "partners[2] (GIVE): activity_source is required for a CAR_RENTAL partner",
        "partners[2] (GIVE): code 'GIVE' appears twice",
    ]


def test_an_unknown_setting_is_refused_with_its_place(tmp_path: Path) -> None:
    path = tmp_path / "partners.toml"
    path.write_text('[[partners]]\ncode = "X1"\nkind = "PMS"\nname = "x"\napi_key = "secret"\n')
    with pytest.raises(
        ProgramFileError, match=r"partners\[0\]: Object contains unknown field `api_key`"
    ):
        load_partners(path)
