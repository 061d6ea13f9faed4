from rest_framework import serializers
from rest_framework.generics import ListAPIView

from .human_tasks import open_tasks_for
from .models import HumanTask


class TaskSerializer(serializers.ModelSerializer):
    cycle_id = serializers.IntegerField(source="cycle_report.cycle_id")
    report_id = serializers.IntegerField(source="cycle_report.report_id")
    assignee = serializers.CharField(source="assignee.username")
    report = serializers.CharField(source="cycle_report.report.name")

    class Meta:
        model = HumanTask
        fields = ["id", "kind", "cycle_id", "report_id", "report", "assignee", "round", "opened_at", "due_at", "state"]


class TaskListView(ListAPIView):
    serializer_class = TaskSerializer

    def get_queryset(self):
        return open_tasks_for(self.request.user)
