from django.urls import path

from datasources import views_setup as views

app_name = "setup"

urlpatterns = [
    path("", views.sources, name="sources"),
    path("accounts/add/", views.account_add, name="account-add"),
    path("sources/add/", views.source_add, name="source-add"),
    path("sources/<int:pk>/", views.source_detail, name="source"),
    path("sources/<int:pk>/change/", views.source_edit, name="source-edit"),
    path("sources/<int:pk>/test/", views.source_test, name="source-test"),
    path("sources/<int:pk>/sync/", views.source_sync, name="source-sync"),
    path("mappings/", views.mappings, name="mappings"),
    path("mappings/<str:kind>/", views.mappings_edit, name="mappings-edit"),
]
