"""Assurance.

World Class Commissioning assurance: frameworks, cycles, assessments, ratings, earned autonomy.
"""
