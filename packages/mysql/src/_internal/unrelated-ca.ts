/**
 * A self-signed CA that signed nothing (its private key was discarded when it was made).
 * MY-023 verifies the server against it: a verifying client must refuse the server's
 * certificate, which shows that verification is really taking place — also for servers
 * whose certificates chain to a public root.
 */
export const UNRELATED_CA_PEM = `-----BEGIN CERTIFICATE-----
MIIB0TCCAXegAwIBAgIUfgo+tbCzUPabyiQ7yJ+FW+ZeasYwCgYIKoZIzj0EAwIw
PTE7MDkGA1UEAwwyaGVsaW9zLWNvbmZvcm1hbmNlIHVucmVsYXRlZCB0ZXN0IENB
IChubyBrZXkga2VwdCkwIBcNMjYxMTIyMDUxODQxWhgPMjEyNjEwMjkwNTE4NDFa
MD0xOzA5BgNVBAMMMmhlbGlvcy1jb25mb3JtYW5jZSB1bnJlbGF0ZWQgdGVzdCBD
QSAobm8ga2V5IGtlcHQpMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEGxsSHemt
tZoZo+da2pO+sfiserH+eC4PaSWYPVOpfO/NAuDaUxgfX2+yCMRdDzkzSTk3zwkK
DmUhtwZyLjsrMaNTMFEwHQYDVR0OBBYEFPBvKxKoMWYXL7snHRBTmTzTqpmlMB8G
A1UdIwQYMBaAFPBvKxKoMWYXL7snHRBTmTzTqpmlMA8GA1UdEwEB/wQFMAMBAf8w
CgYIKoZIzj0EAwIDSAAwRQIhALzcDkGTNQA6bGemld4OnxPUbB4Kusx3Kyugc6O9
fk20AiAgUm6o9RHmWA/NSIhrF9qSTf/XJQZDObjKx3uDb55A/A==
-----END CERTIFICATE-----
`;
