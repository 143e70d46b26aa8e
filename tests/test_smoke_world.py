def test_world_builds_two_tenants_with_one_case_each(world):
    assert world.a.case.tenant == world.a.tenant
    assert world.b.case.tenant == world.b.tenant
