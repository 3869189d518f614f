from django.urls import path

from .views import documents, evidence, extensions, notices, review, sheets, spreadsheet, table

app_name = "scoring"

urlpatterns = [
    # The table and its criteria
    path("nam/<int:pk>/bang-diem/", table.table_detail, name="table_detail"),
    path("nam/<int:pk>/bang-diem/tao/", table.table_create, name="table_create"),
    path("nam/<int:pk>/bang-diem/cai-dat/", table.table_settings, name="table_settings"),
    path("nam/<int:pk>/bang-diem/trang-thai/", table.table_status, name="table_status"),
    path("nam/<int:pk>/bang-diem/tieu-chi/them/", table.criterion_add, name="criterion_add"),
    path("bang-diem/tieu-chi/<int:pk>/sua/", table.criterion_edit, name="criterion_edit"),
    path("bang-diem/tieu-chi/<int:pk>/thao-tac/", table.criterion_action, name="criterion_action"),
    path("nam/<int:pk>/bang-diem/excel/", spreadsheet.table_export, name="table_export"),
    path("nam/<int:pk>/bang-diem/nhap-excel/", spreadsheet.table_import, name="table_import"),
    path("nam/<int:pk>/bang-diem/van-ban/<slug:slug>/", documents.table_document,
         name="table_document"),
    path("nam/<int:pk>/bang-diem/van-ban/<slug:slug>/pdf/", documents.table_document_pdf,
         name="table_document_pdf"),
    # The sheets
    path("nam/<int:pk>/cham-diem/", sheets.sheet_list, name="sheet_list"),
    path("nam/<int:pk>/cham-diem/luoi/", review.review_grid, name="review_grid"),
    path("nam/<int:pk>/cham-diem/han/", review.deadlines, name="deadlines"),
    path("phieu/<int:pk>/", sheets.sheet_detail, name="sheet_detail"),
    path("phieu/<int:pk>/thao-tac/", sheets.sheet_action, name="sheet_action"),
    path("phieu/<int:pk>/lich-su/", sheets.sheet_history, name="sheet_history"),
    path("phieu/<int:pk>/van-ban/", documents.sheet_document, name="sheet_document"),
    path("phieu/<int:pk>/pdf/", documents.sheet_pdf, name="sheet_pdf"),
    path("phieu/<int:pk>/xin-gia-han/", extensions.extension_ask, name="extension_ask"),
    path("gia-han/<int:pk>/tra-loi/", extensions.extension_answer, name="extension_answer"),
    path("nhac-viec/", notices.reminder_list, name="reminders"),
    path("nhac-viec/da-doc/", notices.reminders_read, name="reminders_read"),
    path("nhac-viec/<int:pk>/mo/", notices.reminder_open, name="reminder_open"),
    path("diem/<int:pk>/luu/", sheets.score_save, name="score_save"),
    path("diem/<int:pk>/minh-chung/", evidence.evidence_upload, name="evidence_upload"),
    path("minh-chung/<int:pk>/", evidence.evidence_download, name="evidence_download"),
    path("minh-chung/<int:pk>/xoa/", evidence.evidence_delete, name="evidence_delete"),
]  # fmt: skip
