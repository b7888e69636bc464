"""Importing submission archives exported by a learning management system (placeholder).

The expected layout is ``SUBMISSIONS_DIR/<student_id>/<assignment>.ipynb``; LMS archives are
converted into it here.
"""
