"""Hand-computed cost cases: every component, discounts, escalation, PV, currency, break-even."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from planner.errors import InputError
from planner.money.costing import Contract, assess, physical_contract, price, virtual_contract
from planner.readers.catalog import (
    Catalog,
    DiscountTier,
    HostModel,
    Policy,
    Scenario,
    TestPlan,
    UnitModel,
    load_catalog,
    load_policy,
    parse_catalog,
    parse_policy,
)
from planner.readers.inventory import Inventory, Workload
from planner.solver.engine import plan

from .conftest import ROOT

P = HostModel("P", cores=8, memory_gib=32, storage_gb=1000, monthly_fee=D(100), setup_fee=D(50),
              declaration_fee=D(200), daily_fee=D(10))
CAT = Catalog(hosts=(P,), currency="USD", term_years=2, included_test_days=D(1),
              test_day_fee=D(300), annual_escalation=D("0.10"),
              discounts=(DiscountTier(3, D(10)),))
SC = Scenario(declarations=D(1), disaster_days=D(5), discount_rate=D("0.10"),
              tests=(TestPlan("checklist", 2), TestPlan("parallel", 1, D(2), D(0))),
              p2v_server=D(400), p2v_workstation=D(100), hypervisor_licence=D(50),
              hypervisor_subscription=D(20), image_storage=D(30), image_maintenance=D(70))
CONTRACT = Contract("virtual", {"P": 3}, {}, protected=6, p2v_servers=2, p2v_workstations=4,
                    hypervisor_pcs=3, images=1)


def test_every_component_by_hand() -> None:
    c = price(CONTRACT, CAT, SC)
    assert c.discount_percent == 10  # 3 PCs reach the 3-PC tier
    # PCs: setup 3*50*0.9; monthly 3*100*12*0.9 = 3240 then +10 %; disasters 1/2 a year of
    # 3*(200 + 5*10); tests 3 PCs * 2 days * 10 a year, escalated
    assert c.by("PCs", "one_time") == D("135.00")
    assert c.by("PCs", "recurring") == D("3240") + D("3564")
    assert c.by("PCs", "disaster") == D("375") + D("412.50")
    assert c.by("PCs", "test") == D("60") + D("66")
    # test days 2 a year (parallel), 1 included: one billable day at 300, escalated
    assert c.by("tests") == D("300") + D("330")
    assert c.by("conversion") == 2 * 400 + 4 * 100
    assert c.by("licences") == 3 * 50 + 2 * 3 * 20
    assert c.by("images") == 2 * 100
    assert c.total == D("10152.50")
    assert c.one_time == D("1485.00")
    assert c.recurring(1) == D("3400.00")
    assert c.per_disaster == D("750.00")
    assert c.per_test == {"checklist": D("0.00"), "parallel": D("660.00")}
    # PV: every line discounted at 10 % from its year, rounded to the cent (hand-summed)
    assert c.present_value == D("1485.00") + D("3759.10") + D("3745.87")
    assert c.table()["amount"].sum() == c.total


def test_discount_tiers_best_reached() -> None:
    cat = Catalog(hosts=(P,), discounts=(DiscountTier(10, D(5)), DiscountTier(50, D(10))))
    assert [cat.discount_percent(n) for n in (9, 10, 49, 50, 500)] == [0, 5, 5, 10, 10]


def test_currency_conversion_only_touches_vendor_fees() -> None:
    eur = Catalog(hosts=(P,), currency="EUR", term_years=2, annual_escalation=D("0.10"),
                  discounts=(DiscountTier(3, D(10)),))
    sc = Scenario(currency="USD", rates=(("EUR", D("1.10")),), p2v_server=D(400))
    c = price(CONTRACT, eur, sc)
    assert c.currency == "USD"
    assert c.by("PCs", "one_time") == D("148.50")  # 135 EUR at 1.10
    assert c.by("PCs", "recurring") == D("3564.00") + D("3920.40")
    assert c.by("conversion") == D(800)  # policy amounts are already USD
    with pytest.raises(InputError, match="no conversion rate from EUR"):
        price(CONTRACT, eur, Scenario(currency="GBP"))


def test_units_priced_like_pcs() -> None:
    u = UnitModel("U", slots=4, seats=10, monthly_fee=D(1000), setup_fee=D(500),
                  declaration_fee=D(5000), daily_fee=D(400))
    cat = Catalog(hosts=(P,), units=(u,), term_years=1)
    sc = Scenario(declarations=D(2), disaster_days=D(3),
                  tests=(TestPlan("full_interruption", 1, D(3), D(3)),))
    c = price(Contract("virtual", {}, {"U": 2}, protected=0), cat, sc)
    assert c.by("units", "one_time") == 1000
    assert c.by("units", "recurring") == 24000
    assert c.by("units", "disaster") == 2 * 2 * (5000 + 3 * 400)
    assert c.by("units", "test") == 2 * 3 * 400
    assert c.per_disaster == 2 * (5000 + 3 * 400)


def _tiny() -> tuple[Inventory, Catalog, Policy]:
    inv = Inventory(tuple(Workload(f"s{i}", 2, 4, 100, source="physical") for i in range(4)))
    cat = Catalog(hosts=(HostModel("PC", 8, 32, 1000, monthly_fee=D(100)),), term_years=1)
    pol = Policy(headroom=0, host_reserved_cores=0, host_reserved_memory_gib=0,
                 scenario=Scenario(p2v_server=D(500), image_storage=D(100),
                                   hypervisor_licence=D(50)))
    return inv, cat, pol


def test_physical_baseline_savings_and_break_even() -> None:
    inv, cat, pol = _tiny()
    p = plan(inv, cat, pol, time_limit=5)
    assert len(p.hosts) == 1
    phys = physical_contract(p)
    assert phys.pcs == {"PC": 4} and phys.images == 4 and phys.p2v_servers == 0
    virt = virtual_contract(p, inv, pol.scenario)
    assert virt.p2v_servers == 4 and virt.images == 1 and virt.hypervisor_pcs == 1
    a = assess(p, inv, cat, pol)
    assert a.virtual.total == 1200 + 4 * 500 + 50 + 100
    assert a.physical.total == 4 * 1200 + 4 * 100
    assert a.savings == D("1850.00")
    assert a.break_even_p2v == D("962.50")  # (1850 + 2000) / 4
    assert a.break_even_physical_workloads == D("7.70")  # 3850 / 500
    assert a.cost_per_workload == D("837.50")
    bd = a.breakdown()
    assert set(bd["component"]) == {"PCs", "units", "tests", "conversion", "licences", "images"}
    assert bd[bd.option == "virtual"]["total"].sum() == a.virtual.total
    assert "USD" in a.report()


def test_new_keys_parse_and_old_files_stay_valid(tmp_path: object) -> None:
    sample = ROOT / "data" / "sample"
    assert load_catalog(sample / "catalog.toml").discounts == ()
    pol = load_policy(sample / "policy.toml")
    assert pol.scenario.currency == "USD" and pol.scenario.rate("EUR") == D("1.08")
    assert parse_policy({}).scenario == Scenario()
    cat = parse_catalog({"host": [{"name": "A", "cores": 8, "memory": "64 GiB",
                                   "storage": "2 TB", "declaration_fee": 150,
                                   "daily_fee": "25.5"}],
                         "discount": [{"min_pcs": 20, "percent": 5}],
                         "annual_escalation": 0.03, "test_day_fee": 2500,
                         "included_test_days": 2})
    assert cat.hosts[0].daily_fee == D("25.5") and cat.annual_escalation == D("0.03")
    assert cat.discounts == (DiscountTier(20, D(5)),) and "discount" not in cat.extra
    for q in ("harbor-recovery", "northgate-continuity", "atlas-dr"):
        assert load_catalog(ROOT / "data" / "quotes" / f"{q}.toml").has_fees


@pytest.mark.parametrize(("data", "field"), [
    ({"declarations": 1}, "declarations"),
    ({"scenario": {"tests": {"fire_drill": {"per_year": 1}}}}, "scenario.tests.fire_drill"),
    ({"scenario": {"rates": {"EUR": 0}}}, "scenario.rates.EUR"),
    ({"scenario": {"discount_rate": -0.1}}, "scenario.discount_rate"),
    ({"scenario": {"typo": 1}}, "scenario"),
])
def test_bad_scenario_names_the_field(data: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as exc:
        parse_policy(data, "pol.toml")
    assert field in str(exc.value)


def test_policy_equality_ignores_money_for_the_plan_cache() -> None:
    a = Policy(scenario=Scenario(declarations=D(1)))
    b = Policy(scenario=Scenario(declarations=D(3)))
    assert a == b and hash(a) == hash(b)
    assert Policy(cpu_overcommit=2) != a


def test_docs_list_every_money_key() -> None:
    from planner.readers.schema import CATALOG_FIELDS, DISCOUNT_FIELDS, SCENARIO_FIELDS, TEST_FIELDS

    text = (ROOT / "docs" / "formats.md").read_text()
    assert "## Contract terms and money" in text
    for f in (*CATALOG_FIELDS, *DISCOUNT_FIELDS, *SCENARIO_FIELDS, *TEST_FIELDS):
        assert f"`{f.name}`" in text
    assert "declaration_fee" in text and "daily_fee" in text
    assert (ROOT / "docs" / "cost-model.md").is_file()
