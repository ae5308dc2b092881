// imgproxy's fixed facts. It runs beside storage-api in storage's pod (a sidecar, no Service of
// its own), so these are read by storage's room and the policy pack. A leaf.

/** UID 999: imgproxy's Dockerfile runs `useradd -r -u 999 -g imgproxy imgproxy` and `USER 999`. */
export const IMGPROXY_UID = 999;

/**
 * Storage reaches imgproxy over the pod's loopback; imgproxy binds nowhere else. The URL names
 * the bound address itself: on node 18 "localhost" may resolve to ::1 first, where nothing listens.
 */
export const IMGPROXY_PORT = 5001;
export const IMGPROXY_LOOPBACK = "127.0.0.1";
export const IMGPROXY_LOCAL_URL = `http://${IMGPROXY_LOOPBACK}:${IMGPROXY_PORT}`;
