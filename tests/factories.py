import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from cycles import roles
from cycles.models import CycleReport, Report, TestCycle
from cycles.models import ReportAttribute

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@bank.example")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get_or_create(name=extracted)[0])
        self.save()


class TestCycleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TestCycle

    name = factory.Sequence(lambda n: f"Cycle {n}")
    period_end = "2026-09-30"
    test_manager = factory.SubFactory(UserFactory, role=roles.TEST_MANAGER)


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Report

    name = factory.Sequence(lambda n: f"FR Y-14Q Schedule H.1 #{n}")
    regulation = "FR Y-14Q"
    owner = factory.SubFactory(UserFactory, role=roles.REPORT_OWNER)


class AttributeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportAttribute

    report = factory.SubFactory(ReportFactory)
    line_number = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Attribute {n}")
    description = "A reported field"
    data_type = "string"


class CycleReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CycleReport

    cycle = factory.SubFactory(TestCycleFactory)
    report = factory.SubFactory(ReportFactory)
    tester = factory.SubFactory(UserFactory, role=roles.TESTER)
    report_owner = factory.LazyAttribute(lambda cr: cr.report.owner)
    data_provider = factory.SubFactory(UserFactory, role=roles.DATA_PROVIDER)


def scoped_report(attributes=6, **kwargs) -> CycleReport:
    """A report in a cycle with a realistic mix of attribute flags:
    the first is a primary key, then CDEs, issues and plain fields."""
    cr = CycleReportFactory(**kwargs)
    flags = [
        dict(is_primary_key=True, is_cde=True, is_mandatory=True),
        dict(is_cde=True, has_historical_issues=True, data_type="decimal"),
        dict(is_mandatory=True),
        dict(),
        dict(is_cde=True, is_mandatory=True, data_type="date"),
        dict(has_historical_issues=True),
    ]
    for i in range(attributes):
        AttributeFactory(report=cr.report, line_number=i + 1, **flags[i % len(flags)])
    return cr
