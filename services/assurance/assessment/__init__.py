"""Assessments: one per PCT per cycle, moved through the assurance workflow."""
