"""The use cases a compliance checklist is built for. A module of its own so that the CLI can list
them in its help without loading the checklist machinery (YAML, market files)."""

from __future__ import annotations

USE_CASES = {
    "analytics": "DP statistics or aggregate releases from personal data",
    "ml-model": "training or releasing a model trained on personal data",
    "automated-decisions": "decisions about people (employment, credit, housing, education, ...)",
    "generative-ai": "systems that generate text, images, audio or video",
    "biometrics": "face, voice or other biometric identification or categorisation",
    "children": "data about children or services directed at them",
    "health": "health or medical data",
    "sensitive-data": "special-category or sensitive personal data",
}
