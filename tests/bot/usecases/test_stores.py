"""``Store`` implements every use-case's narrow store Protocol, with the same signatures."""

from __future__ import annotations

import inspect

import pytest

from bot.store import Store
from bot.usecases import stores

PROTOCOLS = [
    stores.PeopleStore, stores.ReportStore, stores.ButtonStore, stores.OpenWorkStore,
    stores.AlertStore, stores.DigestStore, stores.ReviewStore, stores.CommandStore,
    stores.HomeStore,
]


def methods_of(protocol: type) -> list[str]:
    return sorted({name for klass in protocol.__mro__ if klass.__module__ == stores.__name__
                   for name, value in vars(klass).items()
                   if callable(value) and not name.startswith("_")})


def test_each_use_case_protocol_is_smaller_than_the_store() -> None:
    public = [n for n in dir(Store) if not n.startswith("_") and callable(getattr(Store, n))]
    for protocol in PROTOCOLS:
        assert 0 < len(methods_of(protocol)) < len(public) / 2, protocol.__name__


@pytest.mark.parametrize("protocol", PROTOCOLS, ids=lambda p: p.__name__)
def test_the_store_has_each_method_with_the_protocols_parameters(protocol: type) -> None:
    for name in methods_of(protocol):
        ours = inspect.signature(getattr(protocol, name))
        theirs = inspect.signature(inspect.unwrap(getattr(Store, name)))
        assert list(ours.parameters) == list(theirs.parameters), f"{protocol.__name__}.{name}"
        for param in ours.parameters.values():
            assert param.kind == theirs.parameters[param.name].kind, f"{name}({param.name})"
            assert param.default == theirs.parameters[param.name].default, f"{name}({param.name})"


def check_statically(store: Store) -> None:
    # mypy checks tests/: each assignment fails the type check if Store stops satisfying it.
    people: stores.PeopleStore = store
    report: stores.ReportStore = store
    alerts: stores.AlertStore = store
    digest: stores.DigestStore = store
    review: stores.ReviewStore = store
    commands: stores.CommandStore = store
    home: stores.HomeStore = store
    assert all((people, report, alerts, digest, review, commands, home))
