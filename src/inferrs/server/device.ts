// `device: auto` → metal on macOS arm64; on Linux cuda when an NVIDIA GPU is visible, else rocm
// when the AMD kernel driver (/dev/kfd) is; else cpu.
import { existsSync } from "node:fs";
import type { Device } from "../../config/schema.ts";

export type ConcreteDevice = Exclude<Device, "auto">;

export type DeviceHost = {
  platform: NodeJS.Platform;
  arch: string;
  /** Whether a device file exists (injectable for tests). */
  exists?: (path: string) => boolean;
};

const NVIDIA_PATHS = ["/dev/nvidiactl", "/proc/driver/nvidia/version"];
/** The ROCm kernel driver's device; present with an AMD GPU ROCm can use. */
const ROCM_PATH = "/dev/kfd";

export function resolveDevice(
  device: Device,
  host: DeviceHost = { platform: process.platform, arch: process.arch },
): ConcreteDevice {
  if (device !== "auto") return device;
  if (host.platform === "darwin" && host.arch === "arm64") return "metal";
  if (host.platform !== "linux") return "cpu";
  const exists = host.exists ?? existsSync;
  if (NVIDIA_PATHS.some((path) => exists(path))) return "cuda";
  if (exists(ROCM_PATH)) return "rocm";
  return "cpu";
}
