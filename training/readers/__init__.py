"""Readers of external datasets (official AIH, InterHand2.6M) into the project's conventions."""
