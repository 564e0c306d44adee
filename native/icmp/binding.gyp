{
  "targets": [
    {
      "target_name": "merezha_icmp",
      "sources": ["icmp.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
