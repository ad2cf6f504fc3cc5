"""The body as evidence for the hands: MediaPipe's pose detector and pose landmark network run
directly (:mod:`.pose`), tracked on a budget (:mod:`.tracker`), and what an arm says about the
hand at its end (:mod:`.arms`)."""
