#include "CRedisUV.h"
