import ArgumentParser
import Crypto
import Yams
print("x")
