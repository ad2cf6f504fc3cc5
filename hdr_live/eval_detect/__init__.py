"""Hand-finding evaluation against box labels (``hdr-live eval-detect``).

:mod:`.labels` reads ``<stem>.labels.json`` files (the format of ``../shared/dev_real/README.md``),
:mod:`.scoring` matches predicted hands to labelled boxes and counts hands found, false hands
and side errors, :mod:`.finders` runs hdr-live, MediaPipe Hands and MediaPipe Holistic over the
labelled frames, :mod:`.report` prints the tables and :mod:`.sheet` draws every predicted hand.
"""
