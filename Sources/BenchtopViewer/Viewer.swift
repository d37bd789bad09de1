internal import CGLFW
