// Web Crypto signatures, checked against keys and signatures made by Node.js's
// own Web Crypto (an independent implementation; benches/../tests vectors
// generated once, embedded below): import in every format, verify Node's
// signatures, sign and verify, export back, generate, and the errors the
// spec names.
import { eq, ok, rejects, throws, suite } from "./harness.js";

const A = {"oaep": {"spki": "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA0G9gGG6WINAj6J5C6Bc8+UuNrjMYvuPZ6XoHOTABjMKP7+egoD9N+G3GSZUGLuYqQ3f/+KalozatGVoNtzHYdyLgYqhPZkIQb2ii8U3+mkNcdm7HEkxMxCWlRsK7NJn9Ah6TF/fAWHAoNn0Ee4PhY3XPXI+RWF7Y57BKAs048ZcZGH6hZrHujBidge/jz/kAtc2i49fcXeKhxr/8YW+s0lhjkosldWPwgCnTPUziGtgmYD23Do7keA90TIShSFZxc+j7XV+0iykZ5D4A0XMhzRvVx98Mg49/t+6mRPegsLr16AXSG+e7P+iNTsD/sUNzuED+tNTDLdub9Qu3mGawwwIDAQAB", "pkcs8": "MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDQb2AYbpYg0CPonkLoFzz5S42uMxi+49npegc5MAGMwo/v56CgP034bcZJlQYu5ipDd//4pqWjNq0ZWg23Mdh3IuBiqE9mQhBvaKLxTf6aQ1x2bscSTEzEJaVGwrs0mf0CHpMX98BYcCg2fQR7g+Fjdc9cj5FYXtjnsEoCzTjxlxkYfqFmse6MGJ2B7+PP+QC1zaLj19xd4qHGv/xhb6zSWGOSiyV1Y/CAKdM9TOIa2CZgPbcOjuR4D3RMhKFIVnFz6PtdX7SLKRnkPgDRcyHNG9XH3wyDj3+37qZE96CwuvXoBdIb57s/6I1OwP+xQ3O4QP601MMt25v1C7eYZrDDAgMBAAECggEAF+AaHtJUChAtfNDcEx/OUTQRV5nsxLju1iqvNyLDmq8Ss8VRhemacdGJPBaA7dBZmP7e6EmWgZqau2OwXIKuK/9nuoVTCwCYR1qyB3gKqPr8VWidDwCEbpdtViyqKv1UmPCNotozQy4dvRgW8lsJ702oYg7j9D5xFCECaU2+rxWN05vrrnwJVZkAKZxXP4KHu60/jwXyJHW70pIA3I1s6/JsOb0nEp0335UT8NdIfWyRgIDi3DJvsOZl/jQ4SaDaOmRbFYvNoMDTRF5mLUinLph5IvucE2bA0sAr5g4jOZR8q5aJ0lpMi5DgLxIZ5TKNS8kVYM+QCEwKI4DXF26m6QKBgQDoJAN/g9t8PyGH/6RDdAa5cVFXadltUP3xU5Wg4Ntrlpv9cRuPMx9r/Ql5+0gZ1JZwarjveu5xfw9eKCDTio/wYaEgcriCPw79EOEy9MFkDUtxKRiOZtlbubFW34pjYr0Xx3CZjzVSEOtQPoocLtvVpHgPN9svBwnE8+wA68uOFwKBgQDl26EuAyzvH+fZTIjGdKS5KNRwbu2DiBJ6WsE1L/QQWmphAobrNrKDMGXUZrRKntD5ReH3c8zI7luM5auAm9+tDdPcFFQ4uTYb92tQEovfZiOKqXUxULAhjgL5c+Jv0ZCqh3XD7RkGmcfg0hJd/ee4Uu2OEFRcvdGWFzjtq7GqNQKBgF2Y57AqQfy+l452DI0F4xAyGFHeY8Qnu7vpr5LGFrIyb4KocCw0uJ6Zz5BXOKLxjBaXcSldr3YjfNbB5zpjy9VoB8dFeg9JzYlLnQEmnjLxCVH+99+yqEDLhi04xFt+HC/SQhwoGZ+VIsuf65+hZRGm1qGMK9uyQsYeczGL4O7RAoGBANVAOH85zvxi+3TsvpBwM0rdiIpvP8gh/BKsFEhGHwb0+3DZKVcbve5cfnzadDYute4uWYB8XOelzCYiBkUhWBlzlLS/34toubykhVkae85dMmg441NHasEWwcexLclUAgVT+3w0gl1PWtNH0maFY+/scBy3Ja2NJd872EMYYZJpAoGBALGEUdN5zzxL9Q3knNkv6+K96nv+CFDMQ1IYMJoIkKhKGsPAzHRhwQZvBOCeXZInuhETqrdAYUgHdVd3LUfRbFvTXoMs/bqNCYbM1MLbfvNNTh/cNeUJJYVwXue55FTqMtp6GFqK4E97NB012EYXKlsaYnLVyiZBFmZSP707qjna", "jwkPublic": {"key_ops": ["encrypt"], "ext": true, "kty": "RSA", "n": "0G9gGG6WINAj6J5C6Bc8-UuNrjMYvuPZ6XoHOTABjMKP7-egoD9N-G3GSZUGLuYqQ3f_-KalozatGVoNtzHYdyLgYqhPZkIQb2ii8U3-mkNcdm7HEkxMxCWlRsK7NJn9Ah6TF_fAWHAoNn0Ee4PhY3XPXI-RWF7Y57BKAs048ZcZGH6hZrHujBidge_jz_kAtc2i49fcXeKhxr_8YW-s0lhjkosldWPwgCnTPUziGtgmYD23Do7keA90TIShSFZxc-j7XV-0iykZ5D4A0XMhzRvVx98Mg49_t-6mRPegsLr16AXSG-e7P-iNTsD_sUNzuED-tNTDLdub9Qu3mGawww", "e": "AQAB", "alg": "RSA-OAEP-256"}, "ct": "MnZvtGWdGK8qnOvZzMkqfTTUSvnbpzy7RU8JStEqx6c3JA7cyd1TS/OI89TfyjI9oikdZPINsaXfOp6GQTibftM1LUJmEEE0J/60jEv+c393qCvue8u3PJ3l0rEgRjKKll+KihwXbw6wh9gFg6lxENOoeNX28SqEpTChrOG6NCOLTMFITLnxAEN1Z4rRQd5QloxMO9YwmcRGiUouFBVdNf09o0Zfy1vvurmiox3ve9/hcoiZAMB3eW3p1fhzSyszh7NtI47rOEAqmr3iWsjogsv88bzKJZuzwj8HTxTCpVam0x5qcw3M+O3Mk4SGjcAQhXKqF4LAdOzAN+fDNBUYFg=="}, "ecdh": {"aPkcs8": "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgli4vd0OPKtEpjLKido59O7LuX6v0WrZH5+ocjRqznnKhRANCAARXdRg54Pof2Be50SwkjHIyfG5fA3SYltuXjmKEqP6fJrJClvKBzKMxn8Ku51LCExJ9Lh2vTxVVNdSd/3tn+w24", "aJwk": {"key_ops": ["deriveBits"], "ext": true, "kty": "EC", "x": "V3UYOeD6H9gXudEsJIxyMnxuXwN0mJbbl45ihKj-nyY", "y": "skKW8oHMozGfwq7nUsITEn0uHa9PFVU11J3_e2f7Dbg", "crv": "P-256", "d": "li4vd0OPKtEpjLKido59O7LuX6v0WrZH5-ocjRqznnI"}, "bSpki": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEz4PVwXqDSYwt4neALeH6G0EdBPO1xiZqNUYP5FuJG3tX6cSxBJJU8h9lvLWCsLWbPpRXLk8atfNYr2JIOPCJqg==", "bRaw": "BM+D1cF6g0mMLeJ3gC3h+htBHQTztcYmajVGD+RbiRt7V+nEsQSSVPIfZby1grC1mz6UVy5PGrXzWK9iSDjwiao=", "bits": "G+CN9N/tA6djGQdXQrpshumHMBLxzrypfLKKQr8SQpE="}, "ecdh384": {"aPkcs8": "MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDBW7HhxRJxjc2WxeUn/aLIhvtS5BTLWEukwzT0G8rpmoARjxzmy7SQ4DQ+0sYarsAqhZANiAASZpPXhAfDhVCAo9x/ouuV2/iUm+coIab8ClFyURzx8D0X+4grEgKIMNFBG8YwVX1O7Uc3o0nOhjl7RWBEy45uj2TudgOzP4H0MAkZlwDpX8pzGh9eR/Edgou/PlOTuB2Y=", "aJwk": {"key_ops": ["deriveBits"], "ext": true, "kty": "EC", "x": "maT14QHw4VQgKPcf6Lrldv4lJvnKCGm_ApRclEc8fA9F_uIKxICiDDRQRvGMFV9T", "y": "u1HN6NJzoY5e0VgRMuObo9k7nYDsz-B9DAJGZcA6V_KcxofXkfxHYKLvz5Tk7gdm", "crv": "P-384", "d": "Vux4cUScY3NlsXlJ_2iyIb7UuQUy1hLpMM09BvK6ZqAEY8c5su0kOA0PtLGGq7AK"}, "bSpki": "MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEhXuLTP/GZqejExncprI+ob+lpUMmMpF7PMhFD3rxSx3uBKHuhpACxVPHlukdPC+V8MjoJ2e4B1Qd6nc5adKOaW+T1NrcqCmKdtnVP71jMgKZDc4msh6EpY8eJ8AxQReE", "bRaw": "BIV7i0z/xmanoxMZ3KayPqG/paVDJjKRezzIRQ968Usd7gSh7oaQAsVTx5bpHTwvlfDI6CdnuAdUHep3OWnSjmlvk9Ta3KgpinbZ1T+9YzICmQ3OJrIehKWPHifAMUEXhA==", "bits": "a0czxGE8+6tuxfY/okGU6gMKZdgyMZZGuGZzgBwaxXJXPp3qqbgfcSooVhLQtl+q"}, "x25519": {"aPkcs8": "MC4CAQAwBQYDK2VuBCIEIDA3CWUaY3tyJ1lijx1vo7I2tNrPAbkBY/lOUCqq0dx2", "aJwk": {"key_ops": ["deriveBits"], "ext": true, "crv": "X25519", "d": "MDcJZRpje3InWWKPHW-jsja02s8BuQFj-U5QKqrR3HY", "x": "B9Hy1wwxlKtJ6ZmOivjXsaCb9ScC1pP7iZ2N89N5x0I", "kty": "OKP"}, "bSpki": "MCowBQYDK2VuAyEAwOtWC/dc0lGryn7LmJtXsGHU8dm3O4geHoXMMbeKJQA=", "bRaw": "wOtWC/dc0lGryn7LmJtXsGHU8dm3O4geHoXMMbeKJQA=", "bits": "tOcCWxmwGWRKDiaRPZJztBtoCI3fa96JUy3vh9z+3kc="}};
const C = {"gcm": "pmTkJ0O+ujwyOH18mkuxNdaBkfsU9nzL8YqaEzoshpApIo+Y+ZlhmR3dMADnQpi2EezP4J/utlhaIrOMThNZcJkU3CcU+AQeFarSVKY=", "gcm96": "/VyCHN1XDWZ/owd8BhP0my1lyMf7hsCiyo+9sWyGvSxt2nqLEbeqouW/pi9DqPSpQEbd7ZXi2f4Awn+BFsJX+QLiGFwbdRdNvw==", "gcm16iv": "iH39CPSHQKu1SJBKvKB2BaIgroSnUZmMXwtzNemTo3lvjdI/wp2PnnPguqImjKwDYvxzZzznxX7R4LbYhfAXKZ/v1mU1LYNoXEsMROc=", "cbc": "Jb3CyaoMHx8eQY/TBL/Bhdd64TUuFqYSN91VzWwSKNR1C+kbUrIBdWARaOC7GhT2Cp7pLHPU4Zm0rT8RNbocSg==", "ctr64": "UNSAZm8scs3RsXFaNMvnMrLJUkSn4j7xHC7mB43orxEaJXu1/LOUciYV2oYX1FliKLinPPf+hu6P5hkDTg==", "ctr128": "UNSAZm8scs3RsXFaNMvnMmdw8xnExmLdA8LN2Bye7rbm90FkJfxrWfYsdVDHMKtV9TpmW3IKeROSYdUJnw==", "pbkdf2": "YywoEuRtRgQQK6dhjp1tfS+BKPYma0oDJk0qBGC33LM=", "hkdf": "N6twrwQISWwfrtFRl+98tiU80k8wO7Mn5HD4+jWXRO1CBwWTK9dABq+v4FGOJi/S0ife0qQG+Xj0+0inR/G+ew==", "derivedGcm": "7GycQd6FFW9+mbbOLuxpituCD9p1QtHJvFhyY3UifxegSA7drrOY/gj+N84M5ADVubZnixt/Rv2TNf01zNHdLTeRxK290VAzOqNtqIk=", "aesJwk": {"key_ops": ["encrypt", "decrypt"], "ext": true, "kty": "oct", "k": "__79_Pv6-fj39vX08_Lx8O_u7ezr6uno5-bl5OPi4eA", "alg": "A256CBC"}};
const V = {"P-256": {"spki": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE0jxSLuogUciP2FAyH4i1FnSm8WhgRRuxzNCMZL88G/2zAUuMd5GI05x7f7OgdWisC04MBs1JPAkliZai4zAKMw==", "pkcs8": "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgZ2A9XeG11WD3j41qKw4Pl6m2s6mxUdllFSAMGepJxFKhRANCAATSPFIu6iBRyI/YUDIfiLUWdKbxaGBFG7HM0Ixkvzwb/bMBS4x3kYjTnHt/s6B1aKwLTgwGzUk8CSWJlqLjMAoz", "jwkPrivate": {"key_ops": ["sign"], "ext": true, "kty": "EC", "x": "0jxSLuogUciP2FAyH4i1FnSm8WhgRRuxzNCMZL88G_0", "y": "swFLjHeRiNOce3-zoHVorAtODAbNSTwJJYmWouMwCjM", "crv": "P-256", "d": "Z2A9XeG11WD3j41qKw4Pl6m2s6mxUdllFSAMGepJxFI"}, "jwkPublic": {"key_ops": ["verify"], "ext": true, "kty": "EC", "x": "0jxSLuogUciP2FAyH4i1FnSm8WhgRRuxzNCMZL88G_0", "y": "swFLjHeRiNOce3-zoHVorAtODAbNSTwJJYmWouMwCjM", "crv": "P-256"}, "sig": "Vq1Y3ibYCyOXwtnAC1J0fsjv0C6byG7G51M5D7VlgZp90+KqBTH3lQW1BKVD+jFYFPuPLoNDELPkRFQ5z6T8Qw==", "raw": "BNI8Ui7qIFHIj9hQMh+ItRZ0pvFoYEUbsczQjGS/PBv9swFLjHeRiNOce3+zoHVorAtODAbNSTwJJYmWouMwCjM="}, "P-384": {"spki": "MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEN+AAk4JftmaLY/+SMokJXZhwU3YwvTMemM1I6rlA427wgYCC0aHavCtzQfo4ln6Xu/8aMmfZCr1SuKqJ0lgf7hAl9A7Km4aI+ea7OqjGlgcXGIr7vLD8yIwV6OV3x6SP", "pkcs8": "MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDAkdCJvsCD/+DEzLL+Ii88vh2QOh2lJqUANfCpIksPCts6TOZYwjaSiLEXUrm4dGnKhZANiAAQ34ACTgl+2Zotj/5IyiQldmHBTdjC9Mx6YzUjquUDjbvCBgILRodq8K3NB+jiWfpe7/xoyZ9kKvVK4qonSWB/uECX0Dsqbhoj55rs6qMaWBxcYivu8sPzIjBXo5XfHpI8=", "jwkPrivate": {"key_ops": ["sign"], "ext": true, "kty": "EC", "x": "N-AAk4JftmaLY_-SMokJXZhwU3YwvTMemM1I6rlA427wgYCC0aHavCtzQfo4ln6X", "y": "u_8aMmfZCr1SuKqJ0lgf7hAl9A7Km4aI-ea7OqjGlgcXGIr7vLD8yIwV6OV3x6SP", "crv": "P-384", "d": "JHQib7Ag__gxMyy_iIvPL4dkDodpSalADXwqSJLDwrbOkzmWMI2koixF1K5uHRpy"}, "jwkPublic": {"key_ops": ["verify"], "ext": true, "kty": "EC", "x": "N-AAk4JftmaLY_-SMokJXZhwU3YwvTMemM1I6rlA427wgYCC0aHavCtzQfo4ln6X", "y": "u_8aMmfZCr1SuKqJ0lgf7hAl9A7Km4aI-ea7OqjGlgcXGIr7vLD8yIwV6OV3x6SP", "crv": "P-384"}, "sig": "F0MFV5/cjygSP5ooL+PkFGj9IKxcypBddjC1XybOn340QhQJwYZQGeDOfIr4n/ixlKw2f8MNGVEdEnko/Y3Fwxqyh0Pca8MWwRghJwZGwJChwBpDRb9zKJEnfJC5HPZq", "raw": "BDfgAJOCX7Zmi2P/kjKJCV2YcFN2ML0zHpjNSOq5QONu8IGAgtGh2rwrc0H6OJZ+l7v/GjJn2Qq9UriqidJYH+4QJfQOypuGiPnmuzqoxpYHFxiK+7yw/MiMFejld8ekjw=="}, "Ed25519": {"spki": "MCowBQYDK2VwAyEARIYAM/eXK7HSMXiDxH4V5vM7YGGkXjtLbIvcMusdTPs=", "pkcs8": "MC4CAQAwBQYDK2VwBCIEIGPfnCUgIH3FBzal03iPh4thZb4x/sqYbekCIKBxgqx4", "jwkPrivate": {"key_ops": ["sign"], "ext": true, "crv": "Ed25519", "d": "Y9-cJSAgfcUHNqXTeI-Hi2FlvjH-ypht6QIgoHGCrHg", "x": "RIYAM_eXK7HSMXiDxH4V5vM7YGGkXjtLbIvcMusdTPs", "kty": "OKP", "alg": "Ed25519"}, "jwkPublic": {"key_ops": ["verify"], "ext": true, "crv": "Ed25519", "x": "RIYAM_eXK7HSMXiDxH4V5vM7YGGkXjtLbIvcMusdTPs", "kty": "OKP", "alg": "Ed25519"}, "sig": "2N4PU1kVhJEaeS7hTV2DOdJdFh7qpBaCqjnEl4T2z2ZBxOWDJPfmolq0B1sZT+o/PSVKwGXbMp6DsJwY2g1GAA==", "raw": "RIYAM/eXK7HSMXiDxH4V5vM7YGGkXjtLbIvcMusdTPs="}, "RS256": {"spki": "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA4G7WikI0kprPteoe1nGKAiB8va9pWK9eBclIizQIcU3aeBMxIUDenczcgmMMTs5QJjwgoM05L1RtZuaqp4f+OPPasUYZskhAhzedCKtLxLJUqFVwQRj+YnyK0pCDapKEnQd859MGCoRpCOdMGGQKJ35BlwlO3r3hzkROksDbwurXtIwc3Kn/311sD3AtSs1hbN3JWXgbSicsNO4aFM3hQCcthl0F5xyKQEvNhPcxe3y6KvLWrueKI+j8Gl40VHphyjlWZJNw/H+bAABugbBCoZBzV7aQ2Q0hmwUxvNj8vOyh3fGRsbue9400IUWuhpSPcu6yIPMs29FN7Xow9KNyzQIDAQAB", "pkcs8": "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDgbtaKQjSSms+16h7WcYoCIHy9r2lYr14FyUiLNAhxTdp4EzEhQN6dzNyCYwxOzlAmPCCgzTkvVG1m5qqnh/4489qxRhmySECHN50Iq0vEslSoVXBBGP5ifIrSkINqkoSdB3zn0wYKhGkI50wYZAonfkGXCU7eveHORE6SwNvC6te0jBzcqf/fXWwPcC1KzWFs3clZeBtKJyw07hoUzeFAJy2GXQXnHIpAS82E9zF7fLoq8tau54oj6PwaXjRUemHKOVZkk3D8f5sAAG6BsEKhkHNXtpDZDSGbBTG82Py87KHd8ZGxu573jTQhRa6GlI9y7rIg8yzb0U3tejD0o3LNAgMBAAECggEAD63xVfWZS9W+Ja4pKzUBnd5Bq2neFliix7eKgSkoiYFAKQE5k+JpkG+KcfSJXKxsFo5pqXpKS2IesOCeyGIHSC4nLO6MvIhw3lGBFSTh1VMvzWvcp2ZKMry94RyWBc5zLoT3pxA2h5USa9Fm9FGcO6qbL/oHP9IBvMydCwJ8x/bz1hKtnuVKQOpHJCaA7lRdjO6OF9OkJ9ILozRf/n9djwo0RCBg4w9ami3NpF6NrbDwR9Rw5U0AIFnxkN91VFD1oAm2Pw7AB57VvhNG+wtmd5CPH1SqSt+mPA+8CBmjen7zkGwLYPn/ePBW6q36BClqTOw4hg6HtzAikh6gTkx/YQKBgQD9zssNOaHhcGh108Mz5kjlTYhQI1GRaWHSnBkFvgyfE8wFKdyqnYQz94R37AAEzH5ENtiGxR6Lg4Y6gLAGIUXV7xPKhb5STa4Lgnfc12UlH6j8omkhwTwf1iYNISWDhuPOPLXWpAk9K9N1MvXxm+0DNifGgrUKsEGLo5MFNZe5rQKBgQDiXxe/Sob4qGCThguQcxbl/qWqIdrtYF2uZvsiqz8dRrya99Y7lqqRxfoGPk50t8GiWziSTht11xjNeSzcuY5ffVgMIyOduSpR5zKZtTsg2HNYpu9+fEVpIU+KYNDRiAPzGgWC6CiQs1qEK6Oz8boBdSsSbK2NRbayZADNNjYBoQKBgQDEvjJkdBJqYOp4u8iLSK2lIm7SQC6Qm7H6woobC3FZNs1mC0dE8olyhyImm8h/78zJMAK0pcTBvRil7O+GMPCjn4ol6XrY7eJGhcJIbKe5GUuzWmpIgjQLMcOZVeJwjHW2fxUt50ZKJtjp9rDzsz0MykQW+2c/e9WzWv8ygJK2mQKBgE5aU8HmbelLfoIRd5c7/sUE6xqENV7MaCChjHNniqT7gvSwq/pcIBXszKm0jztfDyq/IEmjt2WGWhNkyd5sa5cpr3wj/YPuP3Ox7pW9YQXxZZtdzK+fG/dTjFB9Skn8JkHS0+2HpeLP8Zil8jeqh5NRluL9suSfKKl+a7ib9v2BAoGAQ0I2Z27nqiHqZwcoHcdPkc0lFJSLXFypZyUCw8ymrx4QOjmURTKf4w/Fwbl8OR9Zfke90EZ/x9tk6OsviHJUS48SN1m5jIi67yLK7zMLYq3XsqFKNX7dR9NYV0fZV80yt5euzuf0OfpHvy+HNvfoukvWjyFCgfySVnEDPmjWyVA=", "jwkPrivate": {"key_ops": ["sign"], "ext": true, "kty": "RSA", "n": "4G7WikI0kprPteoe1nGKAiB8va9pWK9eBclIizQIcU3aeBMxIUDenczcgmMMTs5QJjwgoM05L1RtZuaqp4f-OPPasUYZskhAhzedCKtLxLJUqFVwQRj-YnyK0pCDapKEnQd859MGCoRpCOdMGGQKJ35BlwlO3r3hzkROksDbwurXtIwc3Kn_311sD3AtSs1hbN3JWXgbSicsNO4aFM3hQCcthl0F5xyKQEvNhPcxe3y6KvLWrueKI-j8Gl40VHphyjlWZJNw_H-bAABugbBCoZBzV7aQ2Q0hmwUxvNj8vOyh3fGRsbue9400IUWuhpSPcu6yIPMs29FN7Xow9KNyzQ", "e": "AQAB", "d": "D63xVfWZS9W-Ja4pKzUBnd5Bq2neFliix7eKgSkoiYFAKQE5k-JpkG-KcfSJXKxsFo5pqXpKS2IesOCeyGIHSC4nLO6MvIhw3lGBFSTh1VMvzWvcp2ZKMry94RyWBc5zLoT3pxA2h5USa9Fm9FGcO6qbL_oHP9IBvMydCwJ8x_bz1hKtnuVKQOpHJCaA7lRdjO6OF9OkJ9ILozRf_n9djwo0RCBg4w9ami3NpF6NrbDwR9Rw5U0AIFnxkN91VFD1oAm2Pw7AB57VvhNG-wtmd5CPH1SqSt-mPA-8CBmjen7zkGwLYPn_ePBW6q36BClqTOw4hg6HtzAikh6gTkx_YQ", "p": "_c7LDTmh4XBoddPDM-ZI5U2IUCNRkWlh0pwZBb4MnxPMBSncqp2EM_eEd-wABMx-RDbYhsUei4OGOoCwBiFF1e8TyoW-Uk2uC4J33NdlJR-o_KJpIcE8H9YmDSElg4bjzjy11qQJPSvTdTL18ZvtAzYnxoK1CrBBi6OTBTWXua0", "q": "4l8Xv0qG-Khgk4YLkHMW5f6lqiHa7WBdrmb7Iqs_HUa8mvfWO5aqkcX6Bj5OdLfBols4kk4bddcYzXks3LmOX31YDCMjnbkqUecymbU7INhzWKbvfnxFaSFPimDQ0YgD8xoFgugokLNahCujs_G6AXUrEmytjUW2smQAzTY2AaE", "dp": "xL4yZHQSamDqeLvIi0itpSJu0kAukJux-sKKGwtxWTbNZgtHRPKJcociJpvIf-_MyTACtKXEwb0YpezvhjDwo5-KJel62O3iRoXCSGynuRlLs1pqSII0CzHDmVXicIx1tn8VLedGSibY6faw87M9DMpEFvtnP3vVs1r_MoCStpk", "dq": "TlpTweZt6Ut-ghF3lzv-xQTrGoQ1XsxoIKGMc2eKpPuC9LCr-lwgFezMqbSPO18PKr8gSaO3ZYZaE2TJ3mxrlymvfCP9g-4_c7Hulb1hBfFlm13Mr58b91OMUH1KSfwmQdLT7Yel4s_xmKXyN6qHk1GW4v2y5J8oqX5ruJv2_YE", "qi": "Q0I2Z27nqiHqZwcoHcdPkc0lFJSLXFypZyUCw8ymrx4QOjmURTKf4w_Fwbl8OR9Zfke90EZ_x9tk6OsviHJUS48SN1m5jIi67yLK7zMLYq3XsqFKNX7dR9NYV0fZV80yt5euzuf0OfpHvy-HNvfoukvWjyFCgfySVnEDPmjWyVA", "alg": "RS256"}, "jwkPublic": {"key_ops": ["verify"], "ext": true, "kty": "RSA", "n": "4G7WikI0kprPteoe1nGKAiB8va9pWK9eBclIizQIcU3aeBMxIUDenczcgmMMTs5QJjwgoM05L1RtZuaqp4f-OPPasUYZskhAhzedCKtLxLJUqFVwQRj-YnyK0pCDapKEnQd859MGCoRpCOdMGGQKJ35BlwlO3r3hzkROksDbwurXtIwc3Kn_311sD3AtSs1hbN3JWXgbSicsNO4aFM3hQCcthl0F5xyKQEvNhPcxe3y6KvLWrueKI-j8Gl40VHphyjlWZJNw_H-bAABugbBCoZBzV7aQ2Q0hmwUxvNj8vOyh3fGRsbue9400IUWuhpSPcu6yIPMs29FN7Xow9KNyzQ", "e": "AQAB", "alg": "RS256"}, "sig": "JjXD4D7Q6X6kH4s3gBQiH38Nzj3qyQNK5kldLNAqkVcjVYUt1M6Lpy0ZfSZWg2zPO226SPNIP2s5vlkyeFUxQuXo8oLjJoDaeO+uTE5ZwP4tDVLcwEhGObv5PJyW5LAtt9oEyvisbqyplxXziRkR3daQ3aLo4KuUV9mgZFptOVL1dFsPKb4vANN32RlXpWw3kRbmfLdV8EvV0l7O9hAiput0PbgpsFPBlZEQAe0RG3HKqciFraimNV9v8p8pl11Ns8Bczu7pW9W65ArqLwL9wc2shSRTZ548LUU2sHd5apv9a2LAz9VNQfZdWObxpaRnaByySatFdIPEu3J6nEuFbg=="}, "PS256": {"spki": "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA6zsyp9MC8Wotq2CJXnE8goGDLzRSRJnb0/k0pYAXCmXwbo8fXT9CNfR/rrz0mSUED3ii4By/NIYpwuVmLRdmA2Z47VUxgA9yqEsv5aCHz1cnLhWEpgF+XbhEyFTjDYYiGMnnKqvp7zOGTdYPoxXz36ND5vSuRvZh/qAlxYztW2yCQtGhyuRwkxJaa7WyMUHP+cGSCDURbc8Y6gYYyWxBvhg3UNgafPKXibZ/2zcbdwxElsFCY+Qx7BzTahi9Ifw2ReY7hR0BFZ1AKWyU/HP/xq+MuOyxPDxAVyzPlG2Zs75nJDKB5q0ESjUs3gUqHRyDHnSmfuglSKrhUAw+5pgPjQIDAQAB", "pkcs8": "MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDrOzKn0wLxai2rYIlecTyCgYMvNFJEmdvT+TSlgBcKZfBujx9dP0I19H+uvPSZJQQPeKLgHL80hinC5WYtF2YDZnjtVTGAD3KoSy/loIfPVycuFYSmAX5duETIVOMNhiIYyecqq+nvM4ZN1g+jFfPfo0Pm9K5G9mH+oCXFjO1bbIJC0aHK5HCTElprtbIxQc/5wZIINRFtzxjqBhjJbEG+GDdQ2Bp88peJtn/bNxt3DESWwUJj5DHsHNNqGL0h/DZF5juFHQEVnUApbJT8c//Gr4y47LE8PEBXLM+UbZmzvmckMoHmrQRKNSzeBSodHIMedKZ+6CVIquFQDD7mmA+NAgMBAAECggEAQ24gSrhzzwVbWxWcuyxlppl+o/DxJkYenGiC/XA26p2nKuIvIPlJvxK76Ti0OxQ/0jmIIwtKikFtRjehLwrWjOH6hzoVKvsCqJiI/d+jHr4CdrTnZfjmovH4EZ83yQAq1QVHlVVbhVy1Qqm6qMrZskFobRO1w5TMKYP53+PShJKNBrNXVRqZNVpDySpfGaInLRpi5idXErC2lwpqeSKe4xAkRjZ/hlOHUsSNFP95bFD2vxl4Jh6itBNgtSu6aUH2arkuBUU6b1aEAp1X/UNBaDjgud1yNgvIxtR8dkOTg+stjcv5MB7Ec7Ltfu+oBL1Wnr1okDmw7sApyBguGWzJhwKBgQD/IdsB1iHiGjRYKPtIZ/8l7ySdea7dD2hUgojJbIMBQ8bK6cpC7LxuDDR/lrZwYmMgvlB62iS2T7IJwF5YRMIwqhW4sTbXk34lw2Il8uggz/UwtCnUV5bNrW2cEARoCPzUUAPaWimxNvdgZiLqoBNawDy6Og9Er1kInkodGYvgXwKBgQDsCAO2gltpNdZbAZVFDhe/ywzN2Wg3N2JM9HxpE3YcowVcX2KhsTAOIyE2PiGdlhG31OwA1mwRmu5DGrxv2PoP5rME8agYlvbg/LGj2nSiivaasRjY014X8qdNes2x2P7/K0qOOp+QqXcHVMWxks55y0DBepu31AsKh+kyjABnkwKBgQD43Fc6JVsLpy/jxqXFbNuubuQyTx1IN902gdVXVGc89pWUHBPU0ALE/VbAFYyDdxTmPX1XOC2TP42UgXYFd5xLx7xEWWf7Q71KrJiyF4xhZTfvd+1NWNqaaU5/aghCSnIDzsDTXhtI5yrJdxcb8WSvotAZfsSh5MBd7bixRdfw1QKBgB7iAZJcxhcjCzQHJf/OEz9uEvPQMXmgDoWhK7IX8MlYbzgh5ubfJzmCUTMmuAFFhHX4LxUA+UzoZ6pyEhvUWQvBlMTd1a+5+P2BMsEMsVwfMJsW9vhP16zsfAWAPu+5Q8whXvTzKLOl6MQVzHQqkEeRV5y5LSzFWth65gFOHjNvAoGBAJDK+dOjVHdx2bBZmdC0cFGH2UeklqnsjTZpWtQHI0Q5B9XUOHCMpL4nKvqwtfKUEPLsj3E/tgvbAnlq8WFlTUIQf/mhkwTo4ftN4sRaKSZHoed8UUr8heW9XH+BXOhfDBGpAr2JmV+w5URmeJFsFPo/3mPwwzyIKKTM3omw7TZD", "jwkPrivate": {"key_ops": ["sign"], "ext": true, "kty": "RSA", "n": "6zsyp9MC8Wotq2CJXnE8goGDLzRSRJnb0_k0pYAXCmXwbo8fXT9CNfR_rrz0mSUED3ii4By_NIYpwuVmLRdmA2Z47VUxgA9yqEsv5aCHz1cnLhWEpgF-XbhEyFTjDYYiGMnnKqvp7zOGTdYPoxXz36ND5vSuRvZh_qAlxYztW2yCQtGhyuRwkxJaa7WyMUHP-cGSCDURbc8Y6gYYyWxBvhg3UNgafPKXibZ_2zcbdwxElsFCY-Qx7BzTahi9Ifw2ReY7hR0BFZ1AKWyU_HP_xq-MuOyxPDxAVyzPlG2Zs75nJDKB5q0ESjUs3gUqHRyDHnSmfuglSKrhUAw-5pgPjQ", "e": "AQAB", "d": "Q24gSrhzzwVbWxWcuyxlppl-o_DxJkYenGiC_XA26p2nKuIvIPlJvxK76Ti0OxQ_0jmIIwtKikFtRjehLwrWjOH6hzoVKvsCqJiI_d-jHr4CdrTnZfjmovH4EZ83yQAq1QVHlVVbhVy1Qqm6qMrZskFobRO1w5TMKYP53-PShJKNBrNXVRqZNVpDySpfGaInLRpi5idXErC2lwpqeSKe4xAkRjZ_hlOHUsSNFP95bFD2vxl4Jh6itBNgtSu6aUH2arkuBUU6b1aEAp1X_UNBaDjgud1yNgvIxtR8dkOTg-stjcv5MB7Ec7Ltfu-oBL1Wnr1okDmw7sApyBguGWzJhw", "p": "_yHbAdYh4ho0WCj7SGf_Je8knXmu3Q9oVIKIyWyDAUPGyunKQuy8bgw0f5a2cGJjIL5Qetoktk-yCcBeWETCMKoVuLE215N-JcNiJfLoIM_1MLQp1FeWza1tnBAEaAj81FAD2lopsTb3YGYi6qATWsA8ujoPRK9ZCJ5KHRmL4F8", "q": "7AgDtoJbaTXWWwGVRQ4Xv8sMzdloNzdiTPR8aRN2HKMFXF9iobEwDiMhNj4hnZYRt9TsANZsEZruQxq8b9j6D-azBPGoGJb24Pyxo9p0oor2mrEY2NNeF_KnTXrNsdj-_ytKjjqfkKl3B1TFsZLOectAwXqbt9QLCofpMowAZ5M", "dp": "-NxXOiVbC6cv48alxWzbrm7kMk8dSDfdNoHVV1RnPPaVlBwT1NACxP1WwBWMg3cU5j19Vzgtkz-NlIF2BXecS8e8RFln-0O9SqyYsheMYWU373ftTVjammlOf2oIQkpyA87A014bSOcqyXcXG_Fkr6LQGX7EoeTAXe24sUXX8NU", "dq": "HuIBklzGFyMLNAcl_84TP24S89AxeaAOhaErshfwyVhvOCHm5t8nOYJRMya4AUWEdfgvFQD5TOhnqnISG9RZC8GUxN3Vr7n4_YEywQyxXB8wmxb2-E_XrOx8BYA-77lDzCFe9PMos6XoxBXMdCqQR5FXnLktLMVa2HrmAU4eM28", "qi": "kMr506NUd3HZsFmZ0LRwUYfZR6SWqeyNNmla1AcjRDkH1dQ4cIykvicq-rC18pQQ8uyPcT-2C9sCeWrxYWVNQhB_-aGTBOjh-03ixFopJkeh53xRSvyF5b1cf4Fc6F8MEakCvYmZX7DlRGZ4kWwU-j_eY_DDPIgopMzeibDtNkM", "alg": "PS256"}, "jwkPublic": {"key_ops": ["verify"], "ext": true, "kty": "RSA", "n": "6zsyp9MC8Wotq2CJXnE8goGDLzRSRJnb0_k0pYAXCmXwbo8fXT9CNfR_rrz0mSUED3ii4By_NIYpwuVmLRdmA2Z47VUxgA9yqEsv5aCHz1cnLhWEpgF-XbhEyFTjDYYiGMnnKqvp7zOGTdYPoxXz36ND5vSuRvZh_qAlxYztW2yCQtGhyuRwkxJaa7WyMUHP-cGSCDURbc8Y6gYYyWxBvhg3UNgafPKXibZ_2zcbdwxElsFCY-Qx7BzTahi9Ifw2ReY7hR0BFZ1AKWyU_HP_xq-MuOyxPDxAVyzPlG2Zs75nJDKB5q0ESjUs3gUqHRyDHnSmfuglSKrhUAw-5pgPjQ", "e": "AQAB", "alg": "PS256"}, "sig": "PNrPphAApL0hjxcLFSjrG4yjeSnXOjcGNJAC0ymUhjYdKiqx42D5fP1rNk9rpOg1ZC0IZ5lsT5BuOT56x/DMUvDMFUVlf2xtWPGdzTjM7Lai2DbE0wP+2xE6nacoZnM6d8KT1Jnw1k+FxRMagc2xvWoXfGttnSDrp7pWe1/mqoVBjpsnDaHryvobAnGw/NqthJc/47poOBWH+zrLwLcxm42A1+AFS6+cZufNG0PBOVRydXyhbBU++8u8pKnvmVMFeoERn693To7+LStQ4Jmn6oSu5Xbk7InyCNjIq41YEkp7IJhsxEXVAAkMITSBFRCAGFB0A8EDjzPZfk6sgitdmg=="}, "hmac": {"sig": "6OizsTO2v3bsLGsQG1hYTRAL2NPJbqZOooefv0o1pwU=", "jwk": {"key_ops": ["sign"], "ext": true, "kty": "oct", "k": "c2VjcmV0IGtleQ", "alg": "HS256"}}};
// P-521 (made by Node the same way).
V["P-521"] = {"spki":"MIGbMBAGByqGSM49AgEGBSuBBAAjA4GGAAQB7p5cMhjH4QNE4GfK7dHcP9i/veOjQsLQ89nv9dPwWSO/tDr1MCRMuPtXvQ4F2fmffntGaRbaYZlqZSP3SjL3RqAAlmpAskLPCvMqrjulf64WaeLDE4CqHe9oDNHOoSfnEfvlvpT6WsIDmuYa8feLY1v7nfyvyi28RE55kqYB2EiSQI8=","pkcs8":"MIHuAgEAMBAGByqGSM49AgEGBSuBBAAjBIHWMIHTAgEBBEIBlPqmtH5lyv+bjr66V9JioNl2WcZOMpsNzlBsVzEpXCtxohRWSK54ZF3Wg089WBrTCs1NtV8Tpa0l91ihlEfPr0+hgYkDgYYABAHunlwyGMfhA0TgZ8rt0dw/2L+946NCwtDz2e/10/BZI7+0OvUwJEy4+1e9DgXZ+Z9+e0ZpFtphmWplI/dKMvdGoACWakCyQs8K8yquO6V/rhZp4sMTgKod72gM0c6hJ+cR++W+lPpawgOa5hrx94tjW/ud/K/KLbxETnmSpgHYSJJAjw==","jwkPrivate":{"key_ops":["sign"],"ext":true,"kty":"EC","x":"Ae6eXDIYx-EDROBnyu3R3D_Yv73jo0LC0PPZ7_XT8Fkjv7Q69TAkTLj7V70OBdn5n357RmkW2mGZamUj90oy90ag","y":"AJZqQLJCzwrzKq47pX-uFmniwxOAqh3vaAzRzqEn5xH75b6U-lrCA5rmGvH3i2Nb-538r8otvEROeZKmAdhIkkCP","crv":"P-521","d":"AZT6prR-Zcr_m46-ulfSYqDZdlnGTjKbDc5QbFcxKVwrcaIUVkiueGRd1oNPPVga0wrNTbVfE6WtJfdYoZRHz69P"},"jwkPublic":{"key_ops":["verify"],"ext":true,"kty":"EC","x":"Ae6eXDIYx-EDROBnyu3R3D_Yv73jo0LC0PPZ7_XT8Fkjv7Q69TAkTLj7V70OBdn5n357RmkW2mGZamUj90oy90ag","y":"AJZqQLJCzwrzKq47pX-uFmniwxOAqh3vaAzRzqEn5xH75b6U-lrCA5rmGvH3i2Nb-538r8otvEROeZKmAdhIkkCP","crv":"P-521"},"sig":"Ae6j0zvoaNgWm0yC2NM8mMX3J9Vi4FhauJ3nNY7NMu3w84UtZPetc5e82DUDixBTcbDhn33/cMztiwBf9euemSgdAWY/84ALE79SE/7rWB1bh4AzhoBP5wxrQWMsvLuGSeD2YGZODGUUnr3cUXLyTePPxFljEzKDtyr3CYjgah0Rq75g","raw":"BAHunlwyGMfhA0TgZ8rt0dw/2L+946NCwtDz2e/10/BZI7+0OvUwJEy4+1e9DgXZ+Z9+e0ZpFtphmWplI/dKMvdGoACWakCyQs8K8yquO6V/rhZp4sMTgKod72gM0c6hJ+cR++W+lPpawgOa5hrx94tjW/ud/K/KLbxETnmSpgHYSJJAjw=="};
A.ecdh521 = {"aPkcs8":"MIHuAgEAMBAGByqGSM49AgEGBSuBBAAjBIHWMIHTAgEBBEIBc504Xtq6u+xmdVe/9JlXcsKA28o9zXl7dKJzfgzvPq7smZSzvGqtBU6ik6/TceXYaqIVKFzIgjHymXQANGLZ026hgYkDgYYABAHp3eG3VHQUafoPf2J329+IZMwHRYKMiuFCwBeJuPIgtCR3F7Gj3cOBNI5uYhe9wXGJVBI22RbC4bGIONroaPecZQDRJWJmvRu0TRy8CYsYwJXvIz7ttHsbqqSEG1GVocGNztxJAlT6lipzAe22Wxw7pFuxzxvoEFNBiXcxYnggldYvOA==","aJwk":{"key_ops":["deriveBits"],"ext":true,"kty":"EC","x":"Aend4bdUdBRp-g9_Ynfb34hkzAdFgoyK4ULAF4m48iC0JHcXsaPdw4E0jm5iF73BcYlUEjbZFsLhsYg42uho95xl","y":"ANElYma9G7RNHLwJixjAle8jPu20exuqpIQbUZWhwY3O3EkCVPqWKnMB7bZbHDukW7HPG-gQU0GJdzFieCCV1i84","crv":"P-521","d":"AXOdOF7aurvsZnVXv_SZV3LCgNvKPc15e3Sic34M7z6u7JmUs7xqrQVOopOv03Hl2GqiFShcyIIx8pl0ADRi2dNu"},"bSpki":"MIGbMBAGByqGSM49AgEGBSuBBAAjA4GGAAQANszDcOEc2oJGMFnZUMx2nYH3ZtM2HTCE4YMFk/ZZHxt6Gr+UZe3lKQgugdeN+/mJcmAv4S+i54BDxGRtGaJBCW8AekSNqTKbXfIft/YsD1QkyC/hvi6/LM+lujnhC7RSgIA1hPi4okuCDERtGqgLjeFOl2wbNbh0BwxHxXaHSameIcU=","bRaw":"BAA2zMNw4RzagkYwWdlQzHadgfdm0zYdMIThgwWT9lkfG3oav5Rl7eUpCC6B1437+YlyYC/hL6LngEPEZG0ZokEJbwB6RI2pMptd8h+39iwPVCTIL+G+Lr8sz6W6OeELtFKAgDWE+LiiS4IMRG0aqAuN4U6XbBs1uHQHDEfFdodJqZ4hxQ==","bits":"AGArQiv6G9ZmcKfG1EPPjmHX1NQhYVNKRH6gobgCMKixM1U3YSMZqC1Yi0Q1D3Tm6tiaHTpwF69t88++NSWiBr+Z"};
const subtle = crypto.subtle;
const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
const msg = new TextEncoder().encode("isolet signs this");
const other = new TextEncoder().encode("isolet signs that");
const same = (a, b) => { a = new Uint8Array(a); b = new Uint8Array(b); return a.length === b.length && a.every((x, i) => x === b[i]); };
const ALGS = {
  "P-256": [{ name: "ECDSA", namedCurve: "P-256" }, { name: "ECDSA", hash: "SHA-256" }],
  "P-384": [{ name: "ECDSA", namedCurve: "P-384" }, { name: "ECDSA", hash: "SHA-384" }],
  "P-521": [{ name: "ECDSA", namedCurve: "P-521" }, { name: "ECDSA", hash: "SHA-512" }],
  Ed25519: [{ name: "Ed25519" }, { name: "Ed25519" }],
  RS256: [{ name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, { name: "RSASSA-PKCS1-v1_5" }],
  PS256: [{ name: "RSA-PSS", hash: "SHA-256" }, { name: "RSA-PSS", saltLength: 32 }],
};
// Signatures that come out the same every time (no randomness in the scheme).
const DETERMINISTIC = ["Ed25519", "RS256"];
const RSA_NAMES = ["RS256", "PS256"];

export default suite(async () => {
  ok("crypto.subtle is a SubtleCrypto", crypto.subtle instanceof SubtleCrypto);
  throws("CryptoKey is not constructible", () => new CryptoKey(), "TypeError");
  throws("SubtleCrypto is not constructible", () => new SubtleCrypto(), "TypeError");

  for (const [name, [keyAlg, signAlg]] of Object.entries(ALGS)) {
    const v = V[name];
    const pub = await subtle.importKey("spki", bytes(v.spki), keyAlg, true, ["verify"]);
    eq(`${name}: public key type`, [pub.type, pub.extractable, pub.usages], ["public", true, ["verify"]]);
    ok(`${name}: verifies Node's signature`, await subtle.verify(signAlg, pub, bytes(v.sig), msg));
    ok(`${name}: not over other data`, !(await subtle.verify(signAlg, pub, bytes(v.sig), other)));
    ok(`${name}: not a truncated signature`, !(await subtle.verify(signAlg, pub, bytes(v.sig).subarray(1), msg)));
    ok(`${name}: spki exports as Node wrote it`, same(await subtle.exportKey("spki", pub), bytes(v.spki)));

    const priv = await subtle.importKey("pkcs8", bytes(v.pkcs8), keyAlg, true, ["sign"]);
    eq(`${name}: private key type`, [priv.type, priv.usages], ["private", ["sign"]]);
    const sig = await subtle.sign(signAlg, priv, msg);
    ok(`${name}: its signature verifies`, await subtle.verify(signAlg, pub, sig, msg));
    if (DETERMINISTIC.includes(name)) ok(`${name}: the same signature as Node's`, same(sig, bytes(v.sig)));

    const jwkPriv = await subtle.importKey("jwk", v.jwkPrivate, keyAlg, true, ["sign"]);
    const jwkPub = await subtle.importKey("jwk", v.jwkPublic, keyAlg, true, ["verify"]);
    ok(`${name}: a JWK private key signs for the spki public key`, await subtle.verify(signAlg, pub, await subtle.sign(signAlg, jwkPriv, msg), msg));
    ok(`${name}: a JWK public key verifies Node's signature`, await subtle.verify(signAlg, jwkPub, bytes(v.sig), msg));
    const out = await subtle.exportKey("jwk", priv);
    for (const m of ["kty", "crv", "x", "y", "d", "n", "e", "p", "q", "dp", "dq", "qi", "alg"]) {
      if (v.jwkPrivate[m] !== undefined) eq(`${name}: jwk ${m}`, out[m], v.jwkPrivate[m]);
    }
    eq(`${name}: jwk key_ops and ext`, [out.key_ops, out.ext], [["sign"], true]);
    if (v.raw) {
      const raw = await subtle.importKey("raw", bytes(v.raw), keyAlg, true, ["verify"]);
      ok(`${name}: raw public key verifies`, await subtle.verify(signAlg, raw, bytes(v.sig), msg));
      ok(`${name}: raw export`, same(await subtle.exportKey("raw", pub), bytes(v.raw)));
    }
    await rejects(`${name}: a public key does not sign`, subtle.sign(signAlg, pub, msg), "InvalidAccessError");
    await rejects(`${name}: pkcs8 of a public key`, subtle.exportKey("pkcs8", pub), "InvalidAccessError");
    await rejects(`${name}: a public key cannot have the sign usage`, subtle.importKey("spki", bytes(v.spki), keyAlg, true, ["sign"]), "SyntaxError");
    await rejects(`${name}: a private key needs a usage`, subtle.importKey("pkcs8", bytes(v.pkcs8), keyAlg, true, []), "SyntaxError");
    await rejects(`${name}: garbage is not a key`, subtle.importKey("spki", new Uint8Array([48, 3, 1, 2, 3]), keyAlg, true, ["verify"]), "DataError");
    const locked = await subtle.importKey("pkcs8", bytes(v.pkcs8), keyAlg, false, ["sign"]);
    await rejects(`${name}: a non-extractable key is not exported`, subtle.exportKey("jwk", locked), "InvalidAccessError");
  }

  // The algorithm a key reports.
  const ec = await subtle.importKey("spki", bytes(V["P-384"].spki), ALGS["P-384"][0], false, ["verify"]);
  eq("ECDSA algorithm", ec.algorithm, { name: "ECDSA", namedCurve: "P-384" });
  const rsa = await subtle.importKey("spki", bytes(V.RS256.spki), ALGS.RS256[0], false, ["verify"]);
  eq("RSA algorithm", [rsa.algorithm.name, rsa.algorithm.modulusLength, [...rsa.algorithm.publicExponent], rsa.algorithm.hash.name],
    ["RSASSA-PKCS1-v1_5", 2048, [1, 0, 1], "SHA-256"]);
  await rejects("an ECDSA key is not an Ed25519 key", subtle.verify({ name: "Ed25519" }, ec, new Uint8Array(64), msg), "InvalidAccessError");
  await rejects("a P-256 key is not a P-384 key", subtle.importKey("spki", bytes(V["P-256"].spki), ALGS["P-384"][0], true, ["verify"]), "DataError");
  await rejects("unknown curve", subtle.importKey("spki", bytes(V["P-256"].spki), { name: "ECDSA", namedCurve: "P-192" }, true, ["verify"]), "NotSupportedError");
  await rejects("a P-256 key is not a P-521 key", subtle.importKey("spki", bytes(V["P-256"].spki), ALGS["P-521"][0], true, ["verify"]), "DataError");
  // A hash shorter than the curve's order (SHA-1 on P-521) is used whole, as Node does.
  const p521sha1 = { name: "ECDSA", hash: "SHA-1" };
  const p521pub = await subtle.importKey("spki", bytes(V["P-521"].spki), ALGS["P-521"][0], false, ["verify"]);
  ok("P-521 with SHA-1 verifies Node's signature", await subtle.verify(p521sha1, p521pub, bytes("AB71a6kKPkukWx/p0I2/vOo8k7T0ScP9Y0x63MKmwkhj8kvjD9B4ghynGpxXD15wfS+tALGrCKnwc+La5td7rQUbAVSOwvCLhlRUvEKSU51R2CNmrGXQZj22JyJ/JMeB0+1mQJPe9Be39OK9wnR/PGdwllRzKxiKPOVBIfEETCZnDdfO"), msg));
  const p521own = await subtle.sign(p521sha1, await subtle.importKey("pkcs8", bytes(V["P-521"].pkcs8), ALGS["P-521"][0], false, ["sign"]), msg);
  ok("P-521 with SHA-1 signs", await subtle.verify(p521sha1, p521pub, p521own, msg));
  ok("P-521 with SHA-1 is not SHA-512", !(await subtle.verify(ALGS["P-521"][1], p521pub, p521own, msg)));
  await rejects("JWK of the wrong curve", subtle.importKey("jwk", V["P-256"].jwkPublic, ALGS["P-384"][0], true, ["verify"]), "DataError");
  await rejects("JWK whose alg disagrees", subtle.importKey("jwk", { ...V.RS256.jwkPublic, alg: "RS512" }, ALGS.RS256[0], true, ["verify"]), "DataError");
  await rejects("JWK d that is not the key's", subtle.importKey("jwk", { ...V["P-256"].jwkPrivate, d: V["P-256"].jwkPrivate.x }, ALGS["P-256"][0], true, ["sign"]), "DataError");
  await rejects("unknown algorithm", subtle.importKey("raw", new Uint8Array(16), "ROT13", true, ["sign"]), "NotSupportedError");
  await rejects("an ECDSA key does not encrypt", subtle.encrypt({ name: "AES-GCM", iv: new Uint8Array(12) }, ec, msg), "InvalidAccessError");

  // generateKey
  for (const [name, [keyAlg, signAlg]] of Object.entries(ALGS)) {
    // RSA key generation takes seconds of CPU: tests/workers/js/rsa_generate.js.
    if (RSA_NAMES.includes(name)) continue;
    const kp = await subtle.generateKey(keyAlg, true, ["sign", "verify"]);
    eq(`${name}: generated pair`, [kp.publicKey.type, kp.privateKey.type, kp.publicKey.usages, kp.privateKey.usages], ["public", "private", ["verify"], ["sign"]]);
    const s = await subtle.sign(signAlg, kp.privateKey, msg);
    ok(`${name}: generated keys sign and verify`, await subtle.verify(signAlg, kp.publicKey, s, msg));
    const back = await subtle.importKey("jwk", await subtle.exportKey("jwk", kp.publicKey), keyAlg, true, ["verify"]);
    ok(`${name}: the exported public JWK imports`, await subtle.verify(signAlg, back, s, msg));
  }
  await rejects("RSA generation needs a modulusLength", subtle.generateKey(ALGS.RS256[0], true, ["sign", "verify"]), "TypeError");
  const k1 = await subtle.generateKey(ALGS["P-256"][0], true, ["sign", "verify"]);
  const k2 = await subtle.generateKey(ALGS["P-256"][0], true, ["sign", "verify"]);
  ok("generated keys differ", !same(await subtle.exportKey("raw", k1.publicKey), await subtle.exportKey("raw", k2.publicKey)));

  // HMAC
  const hk = await subtle.importKey("raw", new TextEncoder().encode("secret key"), { name: "HMAC", hash: "SHA-256" }, true, ["sign", "verify"]);
  ok("HMAC as Node signs", same(await subtle.sign("HMAC", hk, msg), bytes(V.hmac.sig)));
  ok("HMAC verifies", await subtle.verify("HMAC", hk, bytes(V.hmac.sig), msg));
  const hj = await subtle.exportKey("jwk", hk);
  eq("HMAC jwk", [hj.kty, hj.k, hj.alg], ["oct", V.hmac.jwk.k, "HS256"]);
  const hk2 = await subtle.importKey("jwk", V.hmac.jwk, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  ok("HMAC from a JWK", same(await subtle.sign("HMAC", hk2, msg), bytes(V.hmac.sig)));
  const gen = await subtle.generateKey({ name: "HMAC", hash: "SHA-512" }, true, ["sign"]);
  eq("generated HMAC key length", [gen.algorithm.length, (await subtle.exportKey("raw", gen)).byteLength], [1024, 128]);
  await rejects("an HMAC key needs a usage", subtle.importKey("raw", new Uint8Array(8), { name: "HMAC", hash: "SHA-256" }, true, []), "SyntaxError");
  await rejects("HMAC keys do not encrypt", subtle.importKey("raw", new Uint8Array(8), { name: "HMAC", hash: "SHA-256" }, true, ["encrypt"]), "SyntaxError");
  eq("digest", [...new Uint8Array(await subtle.digest("sha-256", new Uint8Array(0)))].slice(0, 4), [0xe3, 0xb0, 0xc4, 0x42]);
  const hexOf = (b) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, "0")).join("");
  eq("MD5 digest", hexOf(await subtle.digest("MD5", new TextEncoder().encode("abc"))), "900150983cd24fb0d6963f7d28e17f72");
  await rejects("MD5 is not an HMAC hash", subtle.importKey("raw", new Uint8Array(8), { name: "HMAC", hash: "MD5" }, true, ["sign"]), "NotSupportedError");
  // crypto.DigestStream (Workers): bytes written in pieces hash like the whole.
  const ds = new crypto.DigestStream("SHA-256");
  ok("DigestStream is a WritableStream", ds instanceof WritableStream);
  const w = ds.getWriter();
  await w.write(new TextEncoder().encode("a"));
  await w.write(new TextEncoder().encode("bc").buffer);
  await w.write("");
  await w.close();
  eq("DigestStream digest", hexOf(await ds.digest), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const md5s = new crypto.DigestStream("md5");
  await new Response("abc").body.pipeTo(md5s);
  eq("DigestStream MD5 through pipeTo", hexOf(await md5s.digest), "900150983cd24fb0d6963f7d28e17f72");
  const aborted = new crypto.DigestStream("SHA-1");
  aborted.getWriter().abort(new Error("stop"));
  await rejects("an aborted DigestStream rejects its digest", aborted.digest);
  throws("DigestStream needs a known hash", () => new crypto.DigestStream("SHA-3"), "NotSupportedError");

  // AES, PBKDF2, HKDF: the same bytes as Node's, and back.
  const enc = new TextEncoder();
  const key16 = Uint8Array.from({ length: 16 }, (_, i) => i);
  const key32 = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);
  const iv12 = Uint8Array.from({ length: 12 }, (_, i) => i * 7);
  const iv16 = Uint8Array.from({ length: 16 }, (_, i) => i * 3);
  const ctr = new Uint8Array(16); ctr.fill(0xff, 8);
  const plain = enc.encode("isolet encrypts this message, which is longer than one block.");
  const aesKey = (raw, name, usages = ["encrypt", "decrypt"]) => subtle.importKey("raw", raw, name, true, usages);
  const cases = [
    ["AES-GCM with additional data", { name: "AES-GCM", iv: iv12, additionalData: enc.encode("aad") }, key32, C.gcm],
    ["AES-GCM 96-bit tag", { name: "AES-GCM", iv: iv12, tagLength: 96 }, key16, C.gcm96],
    ["AES-GCM 16-byte IV", { name: "AES-GCM", iv: iv16 }, key16, C.gcm16iv],
    ["AES-CBC", { name: "AES-CBC", iv: iv16 }, key32, C.cbc],
    ["AES-CTR, 64-bit counter wrapping", { name: "AES-CTR", counter: ctr, length: 64 }, key16, C.ctr64],
    ["AES-CTR, 128-bit counter", { name: "AES-CTR", counter: ctr, length: 128 }, key16, C.ctr128],
  ];
  for (const [what, params, raw, expected] of cases) {
    const key = await aesKey(raw, params.name);
    const ct = await subtle.encrypt(params, key, plain);
    ok(`${what}: as Node encrypts`, same(ct, bytes(expected)));
    ok(`${what}: decrypts`, same(await subtle.decrypt(params, key, ct), plain));
  }
  const gk = await aesKey(key32, "AES-GCM");
  const gcmParams = { name: "AES-GCM", iv: iv12, additionalData: enc.encode("aad") };
  const tampered = bytes(C.gcm); tampered[3] ^= 1;
  await rejects("AES-GCM: a changed ciphertext fails", subtle.decrypt(gcmParams, gk, tampered), "OperationError");
  await rejects("AES-GCM: other additional data fails", subtle.decrypt({ ...gcmParams, additionalData: enc.encode("AAD") }, gk, bytes(C.gcm)), "OperationError");
  await rejects("AES-CBC: a wrong key gives bad padding", subtle.decrypt({ name: "AES-CBC", iv: iv16 }, await aesKey(key16, "AES-CBC"), bytes(C.cbc)), "OperationError");
  await rejects("AES-CBC: a short iv", subtle.encrypt({ name: "AES-CBC", iv: iv12 }, await aesKey(key32, "AES-CBC"), plain), "OperationError");
  await rejects("AES-CTR: the counter must not repeat", subtle.encrypt({ name: "AES-CTR", counter: ctr, length: 1 }, await aesKey(key16, "AES-CTR"), plain), "OperationError");
  await rejects("a 20-byte AES key", aesKey(new Uint8Array(20), "AES-GCM"), "DataError");
  await rejects("an AES key used with another mode", subtle.encrypt({ name: "AES-CBC", iv: iv16 }, gk, plain), "InvalidAccessError");
  await rejects("an AES key without the usage", subtle.decrypt(gcmParams, await aesKey(key32, "AES-GCM", ["encrypt"]), bytes(C.gcm)), "InvalidAccessError");
  const jwk = await subtle.exportKey("jwk", await aesKey(key32, "AES-CBC"));
  eq("AES jwk", [jwk.kty, jwk.k, jwk.alg], ["oct", C.aesJwk.k, "A256CBC"]);
  ok("AES key from a JWK", same(await subtle.encrypt({ name: "AES-CBC", iv: iv16 }, await subtle.importKey("jwk", C.aesJwk, "AES-CBC", false, ["encrypt"]), plain), bytes(C.cbc)));
  const aesGen = await subtle.generateKey({ name: "AES-GCM", length: 256 }, true, ["encrypt", "decrypt"]);
  eq("generated AES key", [aesGen.algorithm.name, aesGen.algorithm.length, (await subtle.exportKey("raw", aesGen)).byteLength], ["AES-GCM", 256, 32]);
  const round = await subtle.encrypt({ name: "AES-GCM", iv: iv12 }, aesGen, plain);
  ok("generated AES key round trip", same(await subtle.decrypt({ name: "AES-GCM", iv: iv12 }, aesGen, round), plain));

  const pw = await subtle.importKey("raw", enc.encode("password"), "PBKDF2", false, ["deriveBits", "deriveKey"]);
  const pbkdf2 = { name: "PBKDF2", hash: "SHA-256", salt: enc.encode("salt"), iterations: 1000 };
  ok("PBKDF2 as Node derives", same(await subtle.deriveBits(pbkdf2, pw, 256), bytes(C.pbkdf2)));
  const ikm = await subtle.importKey("raw", key16, "HKDF", false, ["deriveBits"]);
  ok("HKDF as Node derives", same(await subtle.deriveBits({ name: "HKDF", hash: "SHA-384", salt: enc.encode("salt"), info: enc.encode("info") }, ikm, 512), bytes(C.hkdf)));
  const derived = await subtle.deriveKey(pbkdf2, pw, { name: "AES-GCM", length: 256 }, true, ["encrypt"]);
  ok("deriveKey makes the AES key Node makes", same(await subtle.encrypt({ name: "AES-GCM", iv: iv12 }, derived, plain), bytes(C.derivedGcm)));
  await rejects("PBKDF2 keys are not extractable", subtle.importKey("raw", enc.encode("pw"), "PBKDF2", true, ["deriveBits"]), "SyntaxError");
  await rejects("PBKDF2 needs iterations", subtle.deriveBits({ ...pbkdf2, iterations: 0 }, pw, 256), "OperationError");
  await rejects("deriveBits needs a length", subtle.deriveBits(pbkdf2, pw, null), "OperationError");
  await rejects("HKDF cannot derive too much", subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: new Uint8Array(0) }, ikm, 255 * 256 + 8), "OperationError");
  await rejects("the base key needs deriveKey", subtle.deriveKey({ name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: new Uint8Array(0) }, ikm, { name: "AES-GCM", length: 128 }, true, ["encrypt"]), "InvalidAccessError");

  // wrapKey / unwrapKey
  const kek = await aesKey(key16, "AES-GCM", ["wrapKey", "unwrapKey"]);
  const hmacKey = await subtle.importKey("raw", enc.encode("secret key"), { name: "HMAC", hash: "SHA-256" }, true, ["sign"]);
  for (const format of ["raw", "jwk"]) {
    const wrapped = await subtle.wrapKey(format, hmacKey, kek, { name: "AES-GCM", iv: iv12 });
    const back = await subtle.unwrapKey(format, wrapped, kek, { name: "AES-GCM", iv: iv12 }, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    ok(`wrapKey/unwrapKey ${format}`, same(await subtle.sign("HMAC", back, msg), bytes(V.hmac.sig)));
  }
  // AES-KW: RFC 3394's test vector 4.1.
  const hex = (h) => Uint8Array.from(h.match(/../g), (b) => parseInt(b, 16));
  const kw = await subtle.importKey("raw", hex("000102030405060708090A0B0C0D0E0F"), "AES-KW", true, ["wrapKey", "unwrapKey"]);
  const wrappedKw = await subtle.wrapKey("raw", await aesKey(hex("00112233445566778899AABBCCDDEEFF"), "AES-CBC"), kw, "AES-KW");
  ok("AES-KW wraps as RFC 3394 says", same(wrappedKw, hex("1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5")));
  const unwrappedKw = await subtle.unwrapKey("raw", wrappedKw, kw, "AES-KW", "AES-CBC", true, ["encrypt"]);
  ok("AES-KW unwraps", same(await subtle.exportKey("raw", unwrappedKw), hex("00112233445566778899AABBCCDDEEFF")));
  const corrupt = new Uint8Array(wrappedKw).slice(); corrupt[0] ^= 1;
  await rejects("AES-KW detects a corrupted wrap", subtle.unwrapKey("raw", corrupt, kw, "AES-KW", "AES-CBC", true, ["encrypt"]), "OperationError");
  await rejects("AES-KW does not encrypt", subtle.encrypt({ name: "AES-KW" }, kw, plain), "NotSupportedError");
  await rejects("AES-KW keys cannot have encrypt", subtle.importKey("raw", new Uint8Array(16), "AES-KW", true, ["encrypt"]), "SyntaxError");
  eq("AES-KW jwk alg", (await subtle.exportKey("jwk", kw)).alg, "A128KW");

  // RSA-OAEP: Node's ciphertext decrypts; ours round-trips.
  const oaepAlg = { name: "RSA-OAEP", hash: "SHA-256" };
  const oaepPriv = await subtle.importKey("pkcs8", bytes(A.oaep.pkcs8), oaepAlg, false, ["decrypt", "unwrapKey"]);
  const oaepPub = await subtle.importKey("jwk", A.oaep.jwkPublic, oaepAlg, true, ["encrypt"]);
  await rejects("a JWK's key_ops bound the usages", subtle.importKey("jwk", A.oaep.jwkPublic, oaepAlg, true, ["encrypt", "wrapKey"]), "DataError");
  const oaepWrap = await subtle.importKey("spki", bytes(A.oaep.spki), oaepAlg, true, ["encrypt", "wrapKey"]);
  eq("RSA-OAEP decrypts Node's ciphertext", new TextDecoder().decode(await subtle.decrypt({ name: "RSA-OAEP", label: enc.encode("lbl") }, oaepPriv, bytes(A.oaep.ct))), "oaep secret");
  await rejects("RSA-OAEP with another label", subtle.decrypt({ name: "RSA-OAEP", label: enc.encode("LBL") }, oaepPriv, bytes(A.oaep.ct)), "OperationError");
  const oaepCt = await subtle.encrypt({ name: "RSA-OAEP" }, oaepPub, plain);
  ok("RSA-OAEP round trip", same(await subtle.decrypt({ name: "RSA-OAEP" }, oaepPriv, oaepCt), plain));
  ok("RSA-OAEP is randomized", !same(await subtle.encrypt({ name: "RSA-OAEP" }, oaepPub, plain), oaepCt));
  eq("RSA-OAEP jwk alg", (await subtle.exportKey("jwk", oaepPub)).alg, "RSA-OAEP-256");
  await rejects("RSA-OAEP public keys do not decrypt", subtle.importKey("spki", bytes(A.oaep.spki), oaepAlg, true, ["decrypt"]), "SyntaxError");
  const wrappedAes = await subtle.wrapKey("raw", await aesKey(key16, "AES-GCM"), oaepWrap, { name: "RSA-OAEP" });
  const unwrappedAes = await subtle.unwrapKey("raw", wrappedAes, oaepPriv, { name: "RSA-OAEP" }, "AES-GCM", true, ["encrypt"]);
  ok("RSA-OAEP wraps an AES key", same(await subtle.exportKey("raw", unwrappedAes), key16));

  // ECDH and X25519: the same shared bits as Node's, from every import form.
  for (const [name, alg] of [["ecdh", { name: "ECDH", namedCurve: "P-256" }], ["ecdh384", { name: "ECDH", namedCurve: "P-384" }], ["ecdh521", { name: "ECDH", namedCurve: "P-521" }], ["x25519", { name: "X25519" }]]) {
    const v = A[name];
    const ours = await subtle.importKey("pkcs8", bytes(v.aPkcs8), alg, false, ["deriveBits", "deriveKey"]);
    const oursJwk = await subtle.importKey("jwk", v.aJwk, alg, true, ["deriveBits"]);
    const theirs = await subtle.importKey("spki", bytes(v.bSpki), alg, true, []);
    const theirsRaw = await subtle.importKey("raw", bytes(v.bRaw), alg, true, []);
    eq(`${name}: a public key has no usages`, theirs.usages, []);
    ok(`${name}: shared bits as Node's`, same(await subtle.deriveBits({ name: alg.name, public: theirs }, ours, null), bytes(v.bits)));
    ok(`${name}: from JWK and raw keys`, same(await subtle.deriveBits({ name: alg.name, public: theirsRaw }, oursJwk, null), bytes(v.bits)));
    ok(`${name}: truncated to a length`, same(await subtle.deriveBits({ name: alg.name, public: theirs }, ours, 128), bytes(v.bits).slice(0, 16)));
    await rejects(`${name}: not more bits than the secret has`, subtle.deriveBits({ name: alg.name, public: theirs }, ours, bytes(v.bits).length * 8 + 8), "OperationError");
    const jwkOut = await subtle.exportKey("jwk", oursJwk);
    eq(`${name}: jwk export`, [jwkOut.x, jwkOut.d, jwkOut.crv], [v.aJwk.x, v.aJwk.d, v.aJwk.crv]);
    ok(`${name}: raw export`, same(await subtle.exportKey("raw", theirsRaw), bytes(v.bRaw)));
    const k = await subtle.deriveKey({ name: alg.name, public: theirs }, ours, { name: "HMAC", hash: "SHA-256", length: 128 }, true, ["sign"]);
    ok(`${name}: deriveKey uses the first bits`, same(await subtle.exportKey("raw", k), bytes(v.bits).slice(0, 16)));
    await rejects(`${name}: our key must be private`, subtle.deriveBits({ name: alg.name, public: theirs }, theirs, null), "InvalidAccessError");
    const pair = await subtle.generateKey(alg, true, ["deriveBits"]);
    const other = await subtle.generateKey(alg, true, ["deriveBits"]);
    ok(`${name}: generated pairs agree`, same(await subtle.deriveBits({ name: alg.name, public: other.publicKey }, pair.privateKey, null),
      await subtle.deriveBits({ name: alg.name, public: pair.publicKey }, other.privateKey, null)));
  }
  const p256 = await subtle.importKey("spki", bytes(A.ecdh.bSpki), { name: "ECDH", namedCurve: "P-256" }, true, []);
  const p384priv = await subtle.importKey("pkcs8", bytes(A.ecdh384.aPkcs8), { name: "ECDH", namedCurve: "P-384" }, false, ["deriveBits"]);
  await rejects("ECDH keys of two curves", subtle.deriveBits({ name: "ECDH", public: p256 }, p384priv, null), "InvalidAccessError");
  await rejects("X25519 small-order public key", (async () => {
    const zero = await subtle.importKey("raw", new Uint8Array(32), "X25519", true, []);
    const mine = await subtle.importKey("pkcs8", bytes(A.x25519.aPkcs8), "X25519", false, ["deriveBits"]);
    return subtle.deriveBits({ name: "X25519", public: zero }, mine, null);
  })(), "OperationError");
});
