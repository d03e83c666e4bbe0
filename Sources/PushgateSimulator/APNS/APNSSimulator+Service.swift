extension APNSSimulator: SimulatorService {}
