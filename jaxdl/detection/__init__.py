"""Object detection (notes 4.11): boxes, IoU, NMS, localisation, sliding windows, YOLO, anchors, mAP."""
