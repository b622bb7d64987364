"""Fetch straight from Jira's and GitHub's REST APIs into files the importers read.

`python -m analysis fetch jira|github ...` (see command.py); the fetchers are jira.JiraFetch and
github.GitHubFetch, sharing http.Client (retries, rate limits, credentials kept out of every
message) and folder.Folder (atomic pages and a manifest, so an interrupted run resumes).
"""
