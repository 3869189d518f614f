"""Type names shared by the apps' signatures."""

from __future__ import annotations

from typing import TypeAlias

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

# Who asks: a signed-in user or, before login_required has sent them away, an anonymous one.
AnyUser: TypeAlias = AbstractBaseUser | AnonymousUser
