from django.urls import path

from . import reorganisation_views as reform
from . import views

app_name = "clusters"

urlpatterns = [
    path("", views.home, name="home"),
    path("co-quan/<int:pk>/sua/", views.authority_edit, name="authority_edit"),
    path("cum/", views.cluster_list, name="cluster_list"),
    path("cum/moi/", views.cluster_create, name="cluster_create"),
    path("cum/<int:pk>/", views.cluster_detail, name="cluster_detail"),
    path("cum/<int:pk>/sua/", views.cluster_edit, name="cluster_edit"),
    path("cum/<int:cluster_pk>/nam-moi/", views.cluster_year_create, name="cluster_year_create"),
    path("nam/<int:pk>/", views.cluster_year_detail, name="cluster_year_detail"),
    path("nam/<int:pk>/cai-dat/", views.cluster_year_settings, name="cluster_year_settings"),
    path("nam/<int:pk>/nam-sau/", views.cluster_year_next, name="cluster_year_next"),
    path("nam/<int:pk>/thanh-vien/them/", views.membership_add, name="membership_add"),
    path("thanh-vien/<int:pk>/sua/", views.membership_edit, name="membership_edit"),
    path("thanh-vien/<int:pk>/xoa/", views.membership_delete, name="membership_delete"),
    path("don-vi/", views.unit_list, name="unit_list"),
    path("don-vi/moi/", views.unit_create, name="unit_create"),
    path("don-vi/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("don-vi/<int:pk>/sua/", views.unit_edit, name="unit_edit"),
    path("sap-xep/", reform.reorganisation_list, name="reorganisation_list"),
    path("sap-xep/moi/", reform.reorganisation_create, name="reorganisation_create"),
    path("sap-xep/<int:pk>/", reform.reorganisation_detail, name="reorganisation_detail"),
    path("sap-xep/<int:pk>/ap-dung/", reform.reorganisation_apply, name="reorganisation_apply"),
    path(
        "sap-xep/<int:pk>/hoan-tac/", reform.reorganisation_reverse, name="reorganisation_reverse"
    ),
    path("sap-xep/<int:pk>/xoa/", reform.reorganisation_delete, name="reorganisation_delete"),
]
