"""Exception types shared by every engine stage."""


class AvhdError(Exception):
    """Base class for errors that carry a message meant for the user."""


class MediaError(AvhdError):
    """A file cannot be read as video (corrupt, not media, no video stream, too short)."""


class FeatureError(AvhdError):
    """A feature extractor cannot be built or run (missing weights, bad input)."""


class ModelError(AvhdError):
    """A model checkpoint is missing, corrupt, or does not match the features."""


class ExportError(AvhdError):
    """An export cannot be written (unwritable folder, full disk, ffmpeg failure)."""


class Cancelled(AvhdError):
    """Raised inside a long call when its cancel token was set."""
