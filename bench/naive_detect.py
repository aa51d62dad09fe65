"""A naive detect-only script: the yardstick for the whole command's wall time (bench/speed.py).

What someone would write in a few lines with MediaPipe's documented API and no
care for speed: ``cv2.imread`` of the full photo, BGR to RGB, one
``PoseLandmarker`` in IMAGE mode with posture's options (two people,
segmentation masks on) and the same model file, and one ``detect``. It prints
how many people it found and exits 0 (2 if the photo cannot be read).

Usage: python bench/naive_detect.py PHOTO MODEL
"""

import sys

import cv2
import mediapipe as mp
from mediapipe.tasks import python as mp_tasks
from mediapipe.tasks.python import vision


def main(photo: str, model: str) -> int:
    bgr = cv2.imread(photo, cv2.IMREAD_COLOR)
    if bgr is None:
        print(f"naive_detect.py: cannot read {photo}", file=sys.stderr)
        return 2
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    options = vision.PoseLandmarkerOptions(
        base_options=mp_tasks.BaseOptions(model_asset_path=model),
        running_mode=vision.RunningMode.IMAGE,
        num_poses=2,
        output_segmentation_masks=True,
    )
    with vision.PoseLandmarker.create_from_options(options) as landmarker:
        result = landmarker.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb))
    print(f"{len(result.pose_landmarks)} people")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-1])
    sys.exit(main(sys.argv[1], sys.argv[2]))
