"""rules/read"""
