"""Django's Redis cache backend, keeping one redis client per connection pool.

Django's RedisCacheClient builds a new redis.Redis for every cache operation, and building one fills
its table of some 170 response callbacks: on the API, where every call counts against the rate limit,
that cost more CPU than the round trip itself. A client is only a handle on the pool (it takes a
connection per command), so one per pool is safe to share.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        if index not in self._clients:
            self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return self._clients[index]


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
