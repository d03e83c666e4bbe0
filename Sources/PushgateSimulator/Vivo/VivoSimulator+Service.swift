extension VivoSimulator: SimulatorService {}
