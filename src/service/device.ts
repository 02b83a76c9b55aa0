// `device: auto` → metal on macOS arm64, cuda when an NVIDIA GPU is visible, else cpu.
import { existsSync } from "node:fs";
import type { Device } from "../config/schema.ts";

export type ConcreteDevice = Exclude<Device, "auto">;

export function resolveDevice(device: Device, host = { platform: process.platform, arch: process.arch }): ConcreteDevice {
  if (device !== "auto") return device;
  if (host.platform === "darwin" && host.arch === "arm64") return "metal";
  if (host.platform === "linux" && (existsSync("/dev/nvidiactl") || existsSync("/proc/driver/nvidia/version"))) {
    return "cuda";
  }
  return "cpu";
}
