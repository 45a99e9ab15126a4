"""Vision: safe image decoding, detectors behind one Detections type, segmentation."""
