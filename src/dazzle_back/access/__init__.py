"""Access control: the DSL's rules compiled once per entity into decisions that become SQL
predicates (lists, counts, single-record checks). With ``[auth] enabled = false`` every
operation is allowed, as published."""

from dazzle_back.access.decide import Decision, EntityRules
from dazzle_back.access.rules import AccessCompiler

__all__ = ["AccessCompiler", "Decision", "EntityRules"]
