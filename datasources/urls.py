from django.urls import path

from datasources import views

app_name = "datasources"

urlpatterns = [
    path("imports/<int:pk>/", views.import_download, name="import-download"),
]
