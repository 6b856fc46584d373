"""What every use case needs: the database, the clock and the rules in force."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field

from staytier.clock import Clock
from staytier.domain.calendar import rules_for_year, rules_judging
from staytier.program.catalog import PreferenceCatalog, load_preference_catalog
from staytier.program.model import ExchangeRates, Program, ProgramVersion
from staytier.services.mail import LogMailer, Mailer
from staytier.services.partner_protocol import Connectors
from staytier.services.partners import Partners, demo_partners
from staytier.store.database import Database


@dataclass(frozen=True)
class Runtime:
    """The service's collaborators, built once by the app factory or the CLI."""

    db: Database
    clock: Clock
    program: Program
    rates: ExchangeRates
    # The preference catalog; the one shipped with the service unless another is given.
    catalog: PreferenceCatalog = field(default_factory=load_preference_catalog)
    # The brand's partners (fixtures/partners.toml unless the settings name another file).
    partners: Partners = field(default_factory=demo_partners)
    # The connectors partner requests are delivered with; the composition root passes
    # staytier.connectors.registry.default_connectors() (services never import connectors).
    connectors: Connectors = field(default_factory=Connectors)
    # Signs guest tokens and keys sign-in code hashes; from STAYTIER_SECRET_KEY when served.
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    mailer: Mailer = field(default_factory=LogMailer)

    def rules_on(self, day: dt.date) -> ProgramVersion:
        """The program version in force on ``day``."""
        return self.program.version_on(day)

    def rules_for_year(self, year: int) -> ProgramVersion:
        """The rules that settle qualification year ``year``: those in force on its last day."""
        return rules_for_year(self.program, year)

    def rules_judging(self, year: int, on: dt.date) -> ProgramVersion:
        """The rules that judge qualification year ``year`` on ``on``: those in force then,
        or, once the year is over, :meth:`rules_for_year`; so a late correction never
        judges a past year by rules announced after it."""
        return rules_judging(self.program, year, on)

    def now(self) -> dt.datetime:
        return self.clock.now()

    def today(self) -> dt.date:
        """Today in UTC; use :func:`staytier.clock.local_date` where a place matters."""
        return self.clock.now().date()
