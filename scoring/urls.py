from django.urls import path

from . import views

urlpatterns = [
    path("nam/<int:pk>/bang-diem/", views.table_detail, name="table_detail"),
    path("nam/<int:pk>/bang-diem/tao/", views.table_create, name="table_create"),
    path("nam/<int:pk>/bang-diem/cai-dat/", views.table_settings, name="table_settings"),
    path("nam/<int:pk>/bang-diem/trang-thai/", views.table_status, name="table_status"),
    path("nam/<int:pk>/bang-diem/tieu-chi/them/", views.criterion_add, name="criterion_add"),
    path("bang-diem/tieu-chi/<int:pk>/sua/", views.criterion_edit, name="criterion_edit"),
    path("bang-diem/tieu-chi/<int:pk>/thao-tac/", views.criterion_action, name="criterion_action"),
    path("nam/<int:pk>/bang-diem/excel/", views.table_export, name="table_export"),
    path("nam/<int:pk>/bang-diem/nhap-excel/", views.table_import, name="table_import"),
    path(
        "nam/<int:pk>/bang-diem/van-ban/<slug:slug>/",
        views.table_document,
        name="table_document",
    ),
    path(
        "nam/<int:pk>/bang-diem/van-ban/<slug:slug>/pdf/",
        views.table_document_pdf,
        name="table_document_pdf",
    ),
]
